//! `--help` and the usage block, formatted as argparse formats 0.3.0's parser.

/// The help text after the usage block, as argparse formats it for an 80-column terminal
/// (its width when stdout is not a terminal and `COLUMNS` is unset).
const HELP_BODY: &str = "\
Tag and push Docker images to a registry.

positional arguments:
  image                 Tags (full image names) to push

options:
  -h, --help            show this help message and exit
  -t TAG [TAG ...], --tag TAG [TAG ...]
                        Tags to tag the image with before pushing
  -V VERSION, --version VERSION
                        Prepend the given version to all tags
  -L, --version-latest  Combine with --version to also tag the image without a
                        version so that it is considered the latest version
  -S, --version-semver  Combine with --version to also tag the image with each
                        major and minor version
  -P PRECISION, --semver-precision PRECISION
                        Combine with --version-semver to specify the minimum
                        number of parts in the generated versions (default: 1)
  -Z, --semver-zero     Combine with --version-semver to tag the image with
                        the major version '0' when that is part of the
                        version. This is not done by default.
  -r REGISTRY, --registry REGISTRY
                        Address for the registry to push to
  -v, --verbose         Verbose logging output
  --dry-run             Print but do not execute any Docker commands
  --executable EXECUTABLE
                        Path to the Docker client executable (default: docker)
";

/// The usage parts argparse wraps: the options, then the positional.
const USAGE_OPTION_PARTS: &[&str] = &[
    "[-h]",
    "[-t TAG [TAG ...]]",
    "[-V VERSION]",
    "[-L]",
    "[-S]",
    "[-P PRECISION]",
    "[-Z]",
    "[-r REGISTRY]",
    "[-v]",
    "[--dry-run]",
    "[--executable EXECUTABLE]",
];
const USAGE_POSITIONAL_PARTS: &[&str] = &["image", "[image ...]"];

/// argparse's text width: 80 columns less 2.
const TEXT_WIDTH: usize = 78;

/// The program name argparse shows: the base name of `argv[0]`.
pub(crate) fn prog_name(argv0: Option<&str>) -> String {
    argv0
        .and_then(|arg| arg.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .unwrap_or("dcd")
        .to_owned()
}

/// The `usage: …` block, wrapped as argparse wraps it, ending in a newline.
pub(crate) fn usage(prog: &str) -> String {
    let prefix = "usage: ";
    let all: Vec<&str> = std::iter::once(prog)
        .chain(USAGE_OPTION_PARTS.iter().copied())
        .chain(USAGE_POSITIONAL_PARTS.iter().copied())
        .collect();
    let one_line = all.join(" ");
    if prefix.len() + one_line.len() <= TEXT_WIDTH {
        return format!("{prefix}{one_line}\n");
    }
    let lines = if (prefix.len() + prog.len()) as f64 <= 0.75 * TEXT_WIDTH as f64 {
        let indent = " ".repeat(prefix.len() + prog.len() + 1);
        let mut first: Vec<&str> = vec![prog];
        first.extend(USAGE_OPTION_PARTS);
        let mut lines = wrap_parts(&first, &indent, Some(prefix));
        lines.extend(wrap_parts(USAGE_POSITIONAL_PARTS, &indent, None));
        lines
    } else {
        // A long program name goes on its own line.
        let indent = " ".repeat(prefix.len());
        let mut parts: Vec<&str> = USAGE_OPTION_PARTS.to_vec();
        parts.extend(USAGE_POSITIONAL_PARTS);
        let mut wrapped = wrap_parts(&parts, &indent, None);
        if wrapped.len() > 1 {
            wrapped = wrap_parts(USAGE_OPTION_PARTS, &indent, None);
            wrapped.extend(wrap_parts(USAGE_POSITIONAL_PARTS, &indent, None));
        }
        std::iter::once(prog.to_owned()).chain(wrapped).collect()
    };
    format!("{prefix}{}\n", lines.join("\n"))
}

/// argparse's `get_lines`: fills lines up to the text width.
fn wrap_parts(parts: &[&str], indent: &str, prefix: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line: Vec<&str> = Vec::new();
    let start_len = prefix.map_or(indent.len(), str::len) as isize - 1;
    let mut line_len = start_len;
    for part in parts {
        if line_len + 1 + part.len() as isize > TEXT_WIDTH as isize && !line.is_empty() {
            lines.push(format!("{indent}{}", line.join(" ")));
            line.clear();
            line_len = indent.len() as isize - 1;
        }
        line.push(part);
        line_len += part.len() as isize + 1;
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{}", line.join(" ")));
    }
    if prefix.is_some() {
        if let Some(first) = lines.first_mut() {
            *first = first[indent.len()..].to_owned();
        }
    }
    lines
}

/// The whole `--help` text.
pub(crate) fn help(prog: &str) -> String {
    format!("{}\n{HELP_BODY}", usage(prog))
}
