//! The CST schema 2.0.0, read strictly: every key CST knows, and nothing else.

use std::fmt;
use std::path::Path;

use serde::Deserialize;

/// A CST file could not be read: the file and what is wrong, with the line when known.
#[derive(Debug, thiserror::Error)]
#[error("failed to read CST file `{file}`: {reason}")]
pub struct CstError {
    file: String,
    reason: String,
}

impl CstError {
    pub(crate) fn new(file: impl Into<String>, reason: impl Into<String>) -> CstError {
        CstError {
            file: file.into(),
            reason: reason.into(),
        }
    }

    /// The file (or the name given to [`CstFile::from_yaml`]).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// What is wrong, with the line and column the parser reported.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvVar {
    #[serde(default)]
    pub(crate) key: String,
    #[serde(default)]
    pub(crate) value: String,
    #[serde(default, rename = "isRegex")]
    pub(crate) is_regex: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct CommandTest {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default, deserialize_with = "list")]
    pub(crate) setup: Vec<Vec<String>>,
    #[serde(default, deserialize_with = "list")]
    #[expect(
        dead_code,
        reason = "CST's Docker driver skips teardown commands; so does seaworthy"
    )]
    pub(crate) teardown: Vec<Vec<String>>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) env_vars: Vec<EnvVar>,
    #[serde(default)]
    pub(crate) exit_code: i64,
    #[serde(default)]
    pub(crate) command: String,
    #[serde(default, deserialize_with = "list")]
    pub(crate) args: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) expected_output: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) excluded_output: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) expected_error: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) excluded_error: Vec<String>,
}

/// A list, or nothing: CST (Go's YAML) reads a key without a value (`files:`) as an empty list.
fn list<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

fn yes() -> bool {
    true
}

fn unset() -> i64 {
    -1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FileExistenceTest {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) path: String,
    #[serde(default = "yes")]
    pub(crate) should_exist: bool,
    #[serde(default)]
    pub(crate) permissions: String,
    #[serde(default = "unset")]
    pub(crate) uid: i64,
    #[serde(default = "unset")]
    pub(crate) gid: i64,
    #[serde(default)]
    pub(crate) is_executable_by: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct FileContentTest {
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) path: String,
    #[serde(default, deserialize_with = "list")]
    pub(crate) expected_contents: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) excluded_contents: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MetadataTest {
    #[serde(default, deserialize_with = "list")]
    pub(crate) env_vars: Vec<EnvVar>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) unbound_env_vars: Vec<EnvVar>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) exposed_ports: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) unexposed_ports: Vec<String>,
    pub(crate) entrypoint: Option<Vec<String>>,
    pub(crate) cmd: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) workdir: String,
    #[serde(default, deserialize_with = "list")]
    pub(crate) volumes: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) unmounted_volumes: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) labels: Vec<EnvVar>,
    #[serde(default)]
    pub(crate) user: String,
}

impl MetadataTest {
    pub(crate) fn is_empty(&self) -> bool {
        self.env_vars.is_empty()
            && self.unbound_env_vars.is_empty()
            && self.exposed_ports.is_empty()
            && self.unexposed_ports.is_empty()
            && self.entrypoint.is_none()
            && self.cmd.is_none()
            && self.workdir.is_empty()
            && self.user.is_empty()
            && self.volumes.is_empty()
            && self.unmounted_volumes.is_empty()
            && self.labels.is_empty()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LicenseTest {
    #[serde(default)]
    #[expect(
        dead_code,
        reason = "read so the file is validated; license tests are not run"
    )]
    pub(crate) debian: bool,
    #[serde(default, deserialize_with = "list")]
    #[expect(
        dead_code,
        reason = "read so the file is validated; license tests are not run"
    )]
    pub(crate) files: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct RunOptions {
    #[serde(default)]
    pub(crate) user: String,
    #[serde(default)]
    pub(crate) privileged: bool,
    #[serde(default, rename = "allocateTty")]
    pub(crate) tty: bool,
    #[serde(default, deserialize_with = "list")]
    pub(crate) env_vars: Vec<String>,
    #[serde(default)]
    pub(crate) env_file: String,
    #[serde(default, deserialize_with = "list")]
    pub(crate) capabilities: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) bind_mounts: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct Schema {
    pub(crate) schema_version: String,
    #[serde(default, deserialize_with = "list")]
    pub(crate) global_env_vars: Vec<EnvVar>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) command_tests: Vec<CommandTest>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) file_existence_tests: Vec<FileExistenceTest>,
    #[serde(default, deserialize_with = "list")]
    pub(crate) file_content_tests: Vec<FileContentTest>,
    #[serde(default)]
    pub(crate) metadata_test: MetadataTest,
    #[serde(default, deserialize_with = "list")]
    pub(crate) license_tests: Vec<LicenseTest>,
    pub(crate) container_run_options: Option<RunOptions>,
}

/// A CST `schemaVersion: 2.0.0` test file, parsed and validated.
///
/// ```
/// use seaworthy::structure::cst::CstFile;
///
/// let file = CstFile::from_yaml("app.yaml", r#"
/// schemaVersion: 2.0.0
/// fileExistenceTests:
///   - name: busybox
///     path: /bin/busybox
///     permissions: -rwxr-xr-x
/// "#)?;
/// assert_eq!(file.test_names(), ["File Existence Test: busybox"]);
///
/// let typo = CstFile::from_yaml("app.yaml", "schemaVersion: 2.0.0\nfileExistenceTest: []\n")
///     .unwrap_err();
/// assert!(typo.to_string().contains("fileExistenceTest"), "{typo}");
/// assert!(typo.to_string().contains("line 2"), "{typo}");
/// # Ok::<(), seaworthy::structure::cst::CstError>(())
/// ```
#[derive(Debug, Clone)]
pub struct CstFile {
    pub(crate) name: String,
    pub(crate) schema: Schema,
}

impl CstFile {
    /// Reads a file: JSON when its name ends in `.json`, YAML otherwise.
    pub fn load(path: impl AsRef<Path>) -> Result<CstFile, CstError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            CstError::new(&name, format!("{e}\n(hint: the path is relative to the test's working directory, the crate's root under cargo test)"))
        })?;
        if path.extension().is_some_and(|e| e == "json") {
            CstFile::from_json(&name, &text)
        } else {
            CstFile::from_yaml(&name, &text)
        }
    }

    /// Parses YAML; `name` is used in messages.
    pub fn from_yaml(name: &str, text: &str) -> Result<CstFile, CstError> {
        let schema: Schema =
            serde_saphyr::from_str(text).map_err(|e| CstError::new(name, e.to_string()))?;
        CstFile::validated(name, schema)
    }

    /// Parses JSON; `name` is used in messages.
    pub fn from_json(name: &str, text: &str) -> Result<CstFile, CstError> {
        let schema: Schema =
            serde_json::from_str(text).map_err(|e| CstError::new(name, e.to_string()))?;
        CstFile::validated(name, schema)
    }

    fn validated(name: &str, schema: Schema) -> Result<CstFile, CstError> {
        if schema.schema_version != "2.0.0" {
            return Err(CstError::new(
                name,
                format!(
                    "unsupported schemaVersion `{}`\n(hint: seaworthy runs schemaVersion 2.0.0 files; CST's own `1.0.0` is obsolete)",
                    schema.schema_version
                ),
            ));
        }
        Ok(CstFile {
            name: name.to_string(),
            schema,
        })
    }

    /// The file's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The names its results will have, in the order they run.
    pub fn test_names(&self) -> Vec<String> {
        let s = &self.schema;
        let mut names: Vec<String> = Vec::new();
        names.extend(
            s.command_tests
                .iter()
                .map(|t| format!("Command Test: {}", t.name)),
        );
        names.extend(
            s.file_content_tests
                .iter()
                .map(|t| format!("File Content Test: {}", t.name)),
        );
        names.extend(
            s.file_existence_tests
                .iter()
                .map(|t| format!("File Existence Test: {}", t.name)),
        );
        names.extend(s.license_tests.iter().map(|_| "License Test".to_string()));
        if !s.metadata_test.is_empty() {
            names.push("Metadata Test".to_string());
        }
        names
    }
}

impl fmt::Display for CstFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
