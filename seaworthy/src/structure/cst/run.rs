//! Running a CST file: each test translated into seaworthy's checks, with CST's names.

use std::collections::HashMap;
use std::fmt;

use super::config::{
    CommandTest, CstFile, EnvVar, FileContentTest, FileExistenceTest, MetadataTest,
};
use crate::helper::DockerHelper;
use crate::structure::error::{Failure, StructureError, StructureErrorKind};
use crate::structure::expand::expand;
use crate::structure::{
    CommandCheck, Executable, FileCheck, ImageFiles, ImageStructure, MetadataCheck,
};

/// How a CST test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// Every check held.
    Pass,
    /// Some check failed, or the test is not valid as written ([`CstResult::errors`] says).
    Fail,
    /// seaworthy does not run this kind of test (`licenseTests`).
    Unsupported,
}

/// One CST test's result, named as CST names it (`File Existence Test: busybox`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CstResult {
    /// CST's name of the test.
    pub name: String,
    /// How it ended.
    pub verdict: Verdict,
    /// What failed (or why it is unsupported), one line each.
    pub errors: Vec<String>,
    /// A command test's stdout.
    pub stdout: String,
    /// A command test's stderr.
    pub stderr: String,
}

impl CstResult {
    fn new(name: String, errors: Vec<String>) -> CstResult {
        let verdict = if errors.is_empty() {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        CstResult {
            name,
            verdict,
            errors,
            stdout: String::new(),
            stderr: String::new(),
        }
    }
}

/// The results of a CST file run against an image, in the order CST runs them.
///
/// `Display` prints them as CST does (`=== RUN: …`, `--- PASS`/`--- FAIL`, `Error: …`) with a
/// closing count.
#[derive(Debug, Clone)]
pub struct CstReport {
    /// The file.
    pub file: String,
    /// The image.
    pub image: String,
    /// One result per test.
    pub results: Vec<CstResult>,
}

impl CstReport {
    /// The result of the test CST calls `name`.
    pub fn result(&self, name: &str) -> Option<&CstResult> {
        self.results.iter().find(|r| r.name == name)
    }

    /// How many results have this verdict.
    pub fn count(&self, verdict: Verdict) -> usize {
        self.results.iter().filter(|r| r.verdict == verdict).count()
    }

    /// Fails unless every test passed; an unsupported test (`licenseTests`) fails too, since
    /// it did not run. The error names each test with its errors.
    pub fn assert_passed(&self) -> Result<(), StructureError> {
        self.verdict(true)
    }

    /// Like [`assert_passed`](Self::assert_passed), letting unsupported tests by (they are
    /// still listed in the report).
    pub fn assert_passed_ignoring_unsupported(&self) -> Result<(), StructureError> {
        self.verdict(false)
    }

    fn verdict(&self, strict: bool) -> Result<(), StructureError> {
        let failures: Vec<Failure> = self
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Fail || (strict && r.verdict == Verdict::Unsupported))
            .map(|r| {
                Failure::new(
                    format!("{} ({})", r.name, self.file),
                    "",
                    r.errors.join("\n      "),
                )
            })
            .collect();
        crate::structure::error::verdict(&self.image, failures)
    }
}

impl fmt::Display for CstReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "====== Test file: {} (image `{}`) ======",
            self.file, self.image
        )?;
        for r in &self.results {
            writeln!(f, "=== RUN: {}", r.name)?;
            writeln!(
                f,
                "{}",
                match r.verdict {
                    Verdict::Pass => "--- PASS",
                    Verdict::Fail => "--- FAIL",
                    Verdict::Unsupported => "--- UNSUPPORTED",
                }
            )?;
            for e in &r.errors {
                writeln!(f, "Error: {e}")?;
            }
        }
        write!(
            f,
            "Passes: {}, Failures: {}, Unsupported: {}, Total tests: {}",
            self.count(Verdict::Pass),
            self.count(Verdict::Fail),
            self.count(Verdict::Unsupported),
            self.results.len()
        )
    }
}

impl CstFile {
    /// Runs every test of the file against `image` (pulled when missing) and reports each.
    /// Metadata and file tests start no container; each command test runs in fresh ones.
    /// The error is for the engine failing, not for tests failing: see
    /// [`CstReport::assert_passed`].
    ///
    /// ```no_run
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// use seaworthy::structure::cst::CstFile;
    /// use seaworthy::DockerHelper;
    ///
    /// let helper = DockerHelper::connect().await?;
    /// let report = CstFile::load("tests/app.yaml")?.run(&helper, "app:latest").await?;
    /// println!("{report}");
    /// report.assert_passed()?;
    /// # Ok(()) }
    /// ```
    pub async fn run(
        &self,
        helper: &DockerHelper,
        image: &str,
    ) -> Result<CstReport, StructureError> {
        let img = ImageStructure::inspect(helper, image).await?;
        let s = &self.schema;
        // CST commits the global variables into the image: they are in its env from then on.
        let image_env: HashMap<String, String> = img.env().into_iter().collect();
        let mut env = image_env.clone();
        let mut global = Vec::new();
        for v in &s.global_env_vars {
            let value = expand(&v.value, |k| image_env.get(k).cloned());
            global.push((v.key.clone(), value.clone()));
            env.insert(v.key.clone(), value);
        }
        let mut results = Vec::new();
        for t in &s.command_tests {
            results.push(self.command(&img, t, &global, &env).await?);
        }
        let files_needed = !s.file_content_tests.is_empty() || !s.file_existence_tests.is_empty();
        if files_needed {
            let files = img.files().await?;
            let mut failed = None;
            for t in &s.file_content_tests {
                match content(&files, t).await {
                    Ok(r) => results.push(r),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            for t in s.file_existence_tests.iter().filter(|_| failed.is_none()) {
                match existence(&files, t, &env).await {
                    Ok(r) => results.push(r),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            files.close().await?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
        for _ in &s.license_tests {
            results.push(CstResult {
                name: "License Test".to_string(),
                verdict: Verdict::Unsupported,
                errors: vec!["seaworthy does not run licenseTests\n(hint: check licenses with CST itself, or remove the test from the file)".to_string()],
                stdout: String::new(),
                stderr: String::new(),
            });
        }
        if !s.metadata_test.is_empty() {
            results.push(metadata(&img, &s.metadata_test)?);
        }
        Ok(CstReport {
            file: self.name.clone(),
            image: image.to_string(),
            results,
        })
    }

    async fn command(
        &self,
        img: &ImageStructure,
        t: &CommandTest,
        global: &[(String, String)],
        env: &HashMap<String, String>,
    ) -> Result<CstResult, StructureError> {
        let name = format!("Command Test: {}", t.name);
        let mut invalid = Vec::new();
        if t.name.is_empty() {
            invalid.push("Please provide a valid name for every test".to_string());
        }
        if t.command.is_empty() {
            invalid.push(format!(
                "Please provide a valid command to run for test {}",
                t.name
            ));
        }
        if t.setup.iter().any(Vec::is_empty) {
            invalid.push("Error in setup command configuration encountered; please check formatting and remove all empty setup commands".to_string());
        }
        if t.env_vars
            .iter()
            .any(|v| v.key.is_empty() || v.value.is_empty())
        {
            invalid.push(
                "Please provide non-empty keys and values for all specified env vars".to_string(),
            );
        }
        if !invalid.is_empty() {
            return Ok(CstResult::new(name, invalid));
        }
        let lookup = |k: &str| env.get(k).cloned();
        let argv: Vec<String> = std::iter::once(&t.command)
            .chain(&t.args)
            .map(|a| expand(a, lookup))
            .collect();
        let mut check = CommandCheck::new(argv).exit_code(t.exit_code);
        check.name = Some(t.name.clone());
        for (k, v) in global {
            check = check.env(k, v);
        }
        // As CST does: a test's own `envVars` are passed as written (only `globalEnvVars` are
        // expanded from the image's environment).
        for v in &t.env_vars {
            check = check.env(&v.key, &v.value);
        }
        for setup in &t.setup {
            check = check.setup(setup.clone());
        }
        if let Some(o) = &self.schema.container_run_options {
            if !o.user.is_empty() {
                check = check.user(&o.user);
            }
            check.tty = o.tty;
            check.privileged = o.privileged;
            check.cap_add = o.capabilities.clone();
            check.binds = o.bind_mounts.clone();
            if !o.env_file.is_empty() {
                for (k, v) in read_env_file(&o.env_file)
                    .map_err(|e| StructureError::invalid(img.image(), e))?
                {
                    check = check.env(k, v);
                }
            }
            for name in &o.env_vars {
                if let Ok(v) = std::env::var(name) {
                    if !v.is_empty() {
                        check = check.env(name, v);
                    }
                }
            }
        }
        for p in &t.expected_output {
            check = check.stdout_matches(p);
        }
        for p in &t.excluded_output {
            check = check.stdout_excludes(p);
        }
        for p in &t.expected_error {
            check = check.stderr_matches(p);
        }
        for p in &t.excluded_error {
            check = check.stderr_excludes(p);
        }
        // CST's Docker driver does not run teardown commands: neither does a CST file here.
        match img.run_unchecked(check).await {
            Ok(outcome) => {
                let mut r = CstResult::new(
                    name,
                    outcome.failures.iter().map(Failure::to_string).collect(),
                );
                r.stdout = outcome.output.stdout_str();
                r.stderr = outcome.output.stderr_str();
                Ok(r)
            }
            Err(e) => match e.kind() {
                StructureErrorKind::Engine(_) => Err(e),
                _ => Ok(CstResult::new(name, vec![detail(&e)])),
            },
        }
    }
}

/// A structure error as one result line, without the image (the report names it).
fn detail(e: &StructureError) -> String {
    match e.kind() {
        StructureErrorKind::Failed(f) => f
            .iter()
            .map(Failure::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        StructureErrorKind::InvalidCheck(reason) => reason.clone(),
        StructureErrorKind::Engine(e) => e.to_string(),
        StructureErrorKind::Unreadable { path, reason } => format!("`{path}`: {reason}"),
    }
}

/// Runs a file check, turning check failures (a missing file, a bad regex) into the result's
/// errors and keeping only engine failures as errors.
async fn file_result(
    files: &ImageFiles,
    name: String,
    check: FileCheck,
) -> Result<CstResult, StructureError> {
    match check.evaluate(files).await {
        Ok(failures) => Ok(CstResult::new(
            name,
            failures.iter().map(Failure::to_string).collect(),
        )),
        Err(e) if matches!(e.kind(), StructureErrorKind::Engine(_)) => Err(e),
        Err(e) => Ok(CstResult::new(name, vec![detail(&e)])),
    }
}

fn validate_file_test(name: &str, path: &str) -> Vec<String> {
    let mut invalid = Vec::new();
    if name.is_empty() {
        invalid.push("Please provide a valid name for every test".to_string());
    }
    if path.is_empty() {
        invalid.push(format!("Please provide a valid file path for test {name}"));
    }
    invalid
}

async fn content(files: &ImageFiles, t: &FileContentTest) -> Result<CstResult, StructureError> {
    let name = format!("File Content Test: {}", t.name);
    let invalid = validate_file_test(&t.name, &t.path);
    if !invalid.is_empty() {
        return Ok(CstResult::new(name, invalid));
    }
    let mut check = FileCheck::new(&t.path);
    for p in &t.expected_contents {
        check = check.content_matches(p);
    }
    for p in &t.excluded_contents {
        check = check.content_excludes(p);
    }
    if t.expected_contents.is_empty() && t.excluded_contents.is_empty() {
        // CST still reads the file: a missing or unreadable one fails.
        check = check.content_excludes("$^x");
    }
    file_result(files, name, check).await
}

async fn existence(
    files: &ImageFiles,
    t: &FileExistenceTest,
    env: &HashMap<String, String>,
) -> Result<CstResult, StructureError> {
    let name = format!("File Existence Test: {}", t.name);
    let invalid = validate_file_test(&t.name, &t.path);
    if !invalid.is_empty() {
        return Ok(CstResult::new(name, invalid));
    }
    let path = expand(&t.path, |k| env.get(k).cloned());
    let mut check = FileCheck::new(path);
    if !t.should_exist {
        check = check.absent();
        return file_result(files, name, check).await;
    }
    if !t.permissions.is_empty() {
        check = check.permissions(&t.permissions);
    }
    match t.is_executable_by.as_str() {
        "" => {}
        "any" => check = check.executable_by(Executable::Any),
        "owner" => check = check.executable_by(Executable::Owner),
        "group" => check = check.executable_by(Executable::Group),
        "other" => check = check.executable_by(Executable::Other),
        other => {
            return Ok(CstResult::new(
                name,
                vec![format!("isExecutableBy `{other}` not recognised as a valid option (expected one of `any`, `owner`, `group`, `other`)")],
            ))
        }
    }
    if t.uid != -1 {
        check = check.owner(t.uid.max(0) as u64);
    }
    if t.gid != -1 {
        check = check.group(t.gid.max(0) as u64);
    }
    file_result(files, name, check).await
}

fn metadata(img: &ImageStructure, t: &MetadataTest) -> Result<CstResult, StructureError> {
    let name = "Metadata Test".to_string();
    let mut invalid = Vec::new();
    if t.env_vars.iter().any(|v| v.key.is_empty()) {
        invalid.push("Environment variable key cannot be empty".to_string());
    }
    if t.labels.iter().any(|v| v.key.is_empty()) {
        invalid.push("Label key cannot be empty".to_string());
    }
    if t.exposed_ports.iter().any(String::is_empty) {
        invalid.push("Port cannot be empty".to_string());
    }
    if t.volumes.iter().any(String::is_empty) {
        invalid.push("Volume cannot be empty".to_string());
    }
    if !invalid.is_empty() {
        return Ok(CstResult::new(name, invalid));
    }
    let mut check = MetadataCheck::new();
    let pair = |check: MetadataCheck, v: &EnvVar, label: bool| match (label, v.is_regex) {
        (false, false) => check.env(&v.key, &v.value),
        (false, true) => check.env_matches(&v.key, &v.value),
        (true, false) => check.label(&v.key, &v.value),
        (true, true) => check.label_matches(&v.key, &v.value),
    };
    for v in &t.env_vars {
        check = pair(check, v, false);
    }
    for v in &t.unbound_env_vars {
        check = check.env_absent(&v.key);
    }
    for v in &t.labels {
        check = pair(check, v, true);
    }
    if let Some(e) = &t.entrypoint {
        check = check.entrypoint(e.clone());
    }
    if let Some(c) = &t.cmd {
        check = check.cmd(c.clone());
    }
    if !t.workdir.is_empty() {
        check = check.workdir(&t.workdir);
    }
    if !t.user.is_empty() {
        check = check.user(&t.user);
    }
    for p in &t.exposed_ports {
        check = check.exposes_number(p, true);
    }
    for p in &t.unexposed_ports {
        check = check.exposes_number(p, false);
    }
    for v in &t.volumes {
        check = check.volume(v);
    }
    for v in &t.unmounted_volumes {
        check = check.no_volume(v);
    }
    match img.failures(&check) {
        Ok(failures) => Ok(CstResult::new(
            name,
            failures.iter().map(Failure::to_string).collect(),
        )),
        Err(e) => Ok(CstResult::new(name, vec![detail(&e)])),
    }
}

/// A `.env` file as CST reads it (godotenv): `KEY=VALUE` lines, `#` comments, optional
/// `export ` and quotes; empty keys and values are dropped.
fn read_env_file(path: &str) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("containerRunOptions.envFile `{path}` cannot be read: {e}"))?;
    Ok(crate::text::env_lines(&text)
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect())
}

#[cfg(test)]
mod should {
    use super::super::CstFile;

    #[test]
    fn reject_unknown_keys_naming_the_key_and_its_line() {
        let text = "schemaVersion: 2.0.0\nfileExistenceTests:\n  - name: a\n    path: /a\n    shouldExists: true\n";
        let e = CstFile::from_yaml("t.yaml", text).unwrap_err().to_string();
        assert!(e.contains("shouldExists") && e.contains("line 5"), "{e}");
        let e = CstFile::from_json(
            "t.json",
            "{\"schemaVersion\": \"2.0.0\",\n \"metadataTest\": {\"usr\": \"x\"}}",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("usr") && e.contains("line 2"), "{e}");
        let e = CstFile::from_yaml("t.yaml", "schemaVersion: 1.0.0\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unsupported schemaVersion `1.0.0`"), "{e}");
    }

    #[test]
    fn read_a_key_without_a_value_as_an_empty_list() {
        let f = CstFile::from_yaml(
            "t.yaml",
            "schemaVersion: 2.0.0\nlicenseTests:\n  - debian: true\n    files:\nfileContentTests:\n  - name: c\n    path: /x\n    expectedContents:\n",
        )
        .unwrap();
        assert_eq!(f.test_names(), ["File Content Test: c", "License Test"]);
        assert!(f.schema.file_content_tests[0].expected_contents.is_empty());
    }

    #[test]
    fn name_tests_as_cst_does_in_its_order() {
        let text = "schemaVersion: '2.0.0'\nmetadataTest:\n  user: app\nlicenseTests:\n  - debian: true\nfileExistenceTests:\n  - name: e\n    path: /e\nfileContentTests:\n  - name: c\n    path: /c\ncommandTests:\n  - name: x\n    command: true\n";
        let f = CstFile::from_yaml("t.yaml", text).unwrap();
        assert_eq!(
            f.test_names(),
            [
                "Command Test: x",
                "File Content Test: c",
                "File Existence Test: e",
                "License Test",
                "Metadata Test"
            ]
        );
        let defaults = &f.schema.file_existence_tests[0];
        assert!(defaults.should_exist);
        assert_eq!((defaults.uid, defaults.gid), (-1, -1));
    }
}
