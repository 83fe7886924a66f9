//! The one list of prerequisites (`scripts/prerequisites.txt`) is complete: every program that
//! a test, an example or the library starts on the host is on it, and nothing installs a
//! package from anywhere else. A newcomer's `scripts/test` installs exactly that list, so a
//! program a test starts and the list forgets (as `socat` once was: installed by `.ci/run`
//! only, so CI passed while `scripts/test` failed on a fresh machine) fails here first, in CI
//! and on every developer's machine, with no Docker needed.
//!
//! How a program is found: `Command::new("socat")` names it; `Command::new(variable)` must
//! carry a `// prerequisite: PROGRAM` note on its line or one of the three lines above (or
//! `// prerequisite: none (why)` for a program the user supplies), unless it starts this
//! project's own binaries (`current_exe()`, `env!(…)`, `concat!(…)`).

use std::path::{Path, PathBuf};

/// One entry of the list.
#[derive(Debug)]
struct Entry {
    group: String,
    name: String,
    programs: Vec<String>,
}

/// Parses `scripts/prerequisites.txt`: `group kind name programs why…`, `#` comments.
fn parse_list(text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [group, kind, name, programs, _why, ..] = fields.as_slice() else {
            return Err(format!("line {}: fewer than 5 columns: `{line}`", n + 1));
        };
        if !["test", "ci", "base"].contains(group) {
            return Err(format!("line {}: unknown group `{group}`", n + 1));
        }
        if !["deb", "cargo", "base"].contains(kind) {
            return Err(format!("line {}: unknown kind `{kind}`", n + 1));
        }
        let programs = match *programs {
            "-" => Vec::new(),
            p => p.split(',').map(str::to_string).collect(),
        };
        entries.push(Entry {
            group: group.to_string(),
            name: name.to_string(),
            programs,
        });
    }
    Ok(entries)
}

/// The programs `scripts/test` makes available: those of the `test` and `base` groups.
fn test_programs(entries: &[Entry]) -> Vec<&str> {
    entries
        .iter()
        .filter(|e| e.group == "test" || e.group == "base")
        .flat_map(|e| e.programs.iter().map(String::as_str))
        .collect()
}

/// Every place in `sources` (path, text) that starts a program the list does not provide, as
/// one line each saying what to do.
fn unlisted(entries: &[Entry], sources: &[(PathBuf, String)]) -> Vec<String> {
    let programs = test_programs(entries);
    let literal = regex::Regex::new(r#"Command::new\(\s*"([^"]+)"\s*\)"#).expect("a valid regex");
    let note = regex::Regex::new(r"prerequisite: (\S+)").expect("a valid regex");
    let mut problems = Vec::new();
    for (path, text) in sources {
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let Some(at) = line.find("Command::new(") else {
                continue;
            };
            let place = format!("{}:{}", path.display(), i + 1);
            let noted = lines[i.saturating_sub(3)..=i]
                .iter()
                .find_map(|l| note.captures(l).map(|c| c[1].to_string()));
            if noted.as_deref() == Some("none") {
                continue;
            }
            let named = if let Some(c) = literal.captures(&line[at..]) {
                c[1].to_string()
            } else {
                let call = &line[at..];
                if call.contains("current_exe")
                    || call.contains("env!(")
                    || call.contains("concat!(")
                {
                    continue;
                }
                match noted {
                    Some(n) => n,
                    None => {
                        problems.push(format!(
                            "{place}: starts a program this check cannot name; add \
                             `// prerequisite: PROGRAM` (a program of scripts/prerequisites.txt) \
                             or `// prerequisite: none (why)` above it"
                        ));
                        continue;
                    }
                }
            };
            let program = Path::new(&named)
                .file_name()
                .map_or(named.clone(), |f| f.to_string_lossy().into_owned());
            if !programs.contains(&program.as_str()) {
                problems.push(format!(
                    "{place}: starts `{program}`, which scripts/prerequisites.txt does not \
                     provide to the tests: add the Debian package (or crate) that provides it, \
                     group `test`, with who needs it"
                ));
            }
        }
    }
    problems
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("integration-tests is inside the workspace")
        .to_path_buf()
}

/// Every file under `dir` (not `target/`, not hidden directories) whose name passes `keep`.
fn files(dir: &Path, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                files(&path, keep, out);
            }
        } else if keep(&path) {
            out.push(path);
        }
    }
}

fn rust_sources() -> Vec<(PathBuf, String)> {
    let root = workspace();
    let mut paths = Vec::new();
    // Not this file: its tests hold made-up sources.
    files(
        &root,
        &|p| p.extension().is_some_and(|e| e == "rs") && !p.ends_with("tests/prerequisites.rs"),
        &mut paths,
    );
    assert!(paths.len() > 100, "found only {} Rust files", paths.len());
    paths
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (p.strip_prefix(&root).unwrap_or(&p).to_path_buf(), text)
        })
        .collect()
}

fn the_list() -> Vec<Entry> {
    let path = workspace().join("scripts/prerequisites.txt");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    parse_list(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_program_the_code_starts_is_on_the_list() {
    let problems = unlisted(&the_list(), &rust_sources());
    assert!(
        problems.is_empty(),
        "{} program(s) missing from scripts/prerequisites.txt:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// What this check would have said of the list scripts/test installed before the list
/// existed (only `docker-registry`): the omissions a newcomer met on a fresh machine.
#[test]
fn the_list_scripts_test_used_to_install_is_caught() {
    let old = parse_list(
        "test deb docker-registry docker-registry dcd's e2e test\n\
         base base docker docker given\nbase base cargo cargo given\n\
         base base sh sh given\nbase base coreutils true,sha256sum given\n\
         base base tar tar given\n",
    )
    .unwrap();
    let problems = unlisted(&old, &rust_sources());
    let text = problems.join("\n");
    for missing in ["`socat`", "`htpasswd`", "`cargo-nextest`"] {
        assert!(text.contains(missing), "{missing} not reported:\n{text}");
    }
    assert!(
        text.contains("integration-tests/tests/engines.rs:"),
        "the socat of the engine tests is not located:\n{text}"
    );
}

#[test]
fn an_unnamed_program_must_carry_a_note() {
    let list = parse_list("test deb socat socat engines\n").unwrap();
    let sources = [
        (
            PathBuf::from("a.rs"),
            "let c = Command::new(binary);\n".to_string(),
        ),
        (
            PathBuf::from("b.rs"),
            "// prerequisite: socat\nlet c = Command::new(binary);\n".to_string(),
        ),
        (
            PathBuf::from("c.rs"),
            "// prerequisite: none (the user's helper)\nlet c = Command::new(helper);\n"
                .to_string(),
        ),
        (
            PathBuf::from("d.rs"),
            "// prerequisite: podman\nlet c = Command::new(binary);\n\
             let d = Command::new(\"/usr/bin/socat\");\n"
                .to_string(),
        ),
    ];
    assert_eq!(
        unlisted(&list, &sources),
        [
            "a.rs:1: starts a program this check cannot name; add `// prerequisite: PROGRAM` \
             (a program of scripts/prerequisites.txt) or `// prerequisite: none (why)` above it",
            "d.rs:2: starts `podman`, which scripts/prerequisites.txt does not provide to the \
             tests: add the Debian package (or crate) that provides it, group `test`, with who \
             needs it",
        ]
    );
}

#[test]
fn a_malformed_list_is_an_error_that_names_the_line() {
    assert_eq!(
        parse_list("# c\ntest deb socat socat\n").unwrap_err(),
        "line 2: fewer than 5 columns: `test deb socat socat`"
    );
    assert_eq!(
        parse_list("tests deb socat socat why\n").unwrap_err(),
        "line 1: unknown group `tests`"
    );
}

/// Only `scripts/prerequisites` installs packages: no other script of the project runs
/// `apt-get install` or `cargo install` (Dockerfiles install into images, not on the host),
/// and scripts/test, scripts/prepare-images and .ci/run install through it.
#[test]
fn nothing_installs_a_prerequisite_outside_the_list() {
    let root = workspace();
    let mut scripts = Vec::new();
    for dir in ["scripts", ".ci", "test-images"] {
        files(
            &root.join(dir),
            &|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                !matches!(name.as_deref(), Some("Dockerfile" | "README.md"))
                    && p.extension().is_none_or(|e| e == "sh")
            },
            &mut scripts,
        );
    }
    let mut offenders = Vec::new();
    for path in &scripts {
        if path.ends_with("scripts/prerequisites") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let code = line.split('#').next().unwrap_or_default();
            if code.contains("apt-get install") || code.contains("cargo install") {
                offenders.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "install through scripts/prerequisites (add the package to scripts/prerequisites.txt):\n{}",
        offenders.join("\n")
    );
    for (script, call) in [
        ("scripts/test", "scripts/prerequisites\" install"),
        ("scripts/prepare-images", "scripts/prerequisites\" install"),
        (".ci/run", "scripts/prerequisites\" install --ci"),
    ] {
        let text = std::fs::read_to_string(root.join(script)).unwrap();
        assert!(text.contains(call), "{script} does not run `{call}`");
    }
}

/// Every entry the list names for the tests is one `scripts/prerequisites` can check.
#[test]
fn the_list_parses_and_every_test_entry_names_what_it_provides() {
    let list = the_list();
    for name in ["socat", "docker-registry", "apache2-utils", "cargo-nextest"] {
        let entry = list.iter().find(|e| e.name == name);
        assert!(
            entry.is_some_and(|e| e.group == "test"),
            "`{name}` is not in the test group: {list:?}"
        );
    }
}
