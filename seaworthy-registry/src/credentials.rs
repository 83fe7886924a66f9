//! Registry credentials, found where the docker CLI finds them.
//!
//! The docker CLI reads `config.json` from `$DOCKER_CONFIG`, else `~/.docker`. For a registry it
//! uses, in this order:
//!
//! 1. `credHelpers[REGISTRY]`: runs `docker-credential-NAME get`;
//! 2. `credsStore`: runs `docker-credential-NAME get` (the `auths` entries are then only
//!    placeholders);
//! 3. `auths[REGISTRY]`: `identitytoken`, or `auth` (base64 of `USER:PASSWORD`), or
//!    `username` and `password`; a key may also be written as a URL
//!    (`https://reg.io/v1/`), which matches the host `reg.io`.
//!
//! A helper is given the server address on stdin and answers
//! `{"ServerURL":…,"Username":…,"Secret":…}`; the user name `<token>` marks an identity
//! token. A helper that exits unsuccessfully saying `credentials not found` means there are no
//! credentials (anonymous access), as in the docker CLI. Docker Hub (`docker.io`) is filed
//! under `https://index.docker.io/v1/`.
//!
//! The `docker_credential` crate was evaluated and not used: it looks at `auths` before
//! `credsStore` (the docker CLI does the opposite), treats a helper's `credentials not found`
//! as an error, cannot tell a missing `config.json` from an unreadable one, and puts the
//! helper's output in its error messages.
//!
//! Secrets never appear in [`Debug`](std::fmt::Debug) output or in errors.

use std::collections::HashMap;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::Engine;
use serde::Deserialize;
use thiserror::Error;

use crate::reference::{DOCKER_HUB_DOMAIN, DOCKER_HUB_SERVER_ADDRESS};

/// Credentials for one registry.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A user name and password (or personal access token), sent with HTTP basic auth or to
    /// the token server.
    Basic {
        /// The user name.
        username: String,
        /// The password; never printed.
        password: String,
    },
    /// An OAuth2 refresh token from `docker login` (`identitytoken`); never printed.
    IdentityToken(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { username, .. } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Self::IdentityToken(_) => f.write_str("IdentityToken(<redacted>)"),
        }
    }
}

/// Why credentials could not be found. The messages name files and helpers, never secrets.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CredentialError {
    /// `config.json` exists but cannot be read.
    #[error("cannot read the docker config {path}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        reason: std::io::Error,
    },
    /// `config.json` is not the docker CLI's JSON.
    #[error("the docker config {path} is not valid: {reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// serde's reason (it names positions, not values).
        reason: String,
    },
    /// An `auth` entry is not base64 of `USER:PASSWORD`.
    #[error("the `auth` entry for {server} in the docker config {path} is not base64 of USER:PASSWORD (run `docker login` again)")]
    BadAuth {
        /// The `auths` key.
        server: String,
        /// The file.
        path: PathBuf,
    },
    /// A credential helper could not be run.
    #[error("cannot run the credential helper `{helper}` for {server}: {reason}")]
    HelperSpawn {
        /// `docker-credential-NAME`.
        helper: String,
        /// The server address given to it.
        server: String,
        /// The operating system's reason.
        reason: std::io::Error,
    },
    /// A credential helper failed for another reason than "not found".
    #[error("the credential helper `{helper}` failed for {server} ({status})")]
    HelperFailed {
        /// `docker-credential-NAME`.
        helper: String,
        /// The server address given to it.
        server: String,
        /// How it exited.
        status: String,
    },
    /// A credential helper's answer is not the documented JSON.
    #[error("the credential helper `{helper}` gave an answer for {server} that is not its JSON protocol")]
    HelperAnswer {
        /// `docker-credential-NAME`.
        helper: String,
        /// The server address given to it.
        server: String,
    },
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

/// The docker CLI's `config.json`, as far as credentials go.
#[derive(Debug, Default)]
pub struct DockerConfig {
    path: PathBuf,
    file: ConfigFile,
}

/// The server address the docker CLI files `domain`'s credentials under.
pub fn server_address(domain: &str) -> &str {
    if domain == DOCKER_HUB_DOMAIN {
        DOCKER_HUB_SERVER_ADDRESS
    } else {
        domain
    }
}

/// `docker login` for `domain`, as the user would type it.
pub fn login_command(domain: &str) -> String {
    if domain == DOCKER_HUB_DOMAIN {
        "docker login".to_owned()
    } else {
        format!("docker login {domain}")
    }
}

/// The docker CLI's `ConvertToHostname`: `https://reg.io/v1/` → `reg.io`.
fn key_to_host(key: &str) -> &str {
    let rest = key
        .strip_prefix("http://")
        .or_else(|| key.strip_prefix("https://"))
        .unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

impl DockerConfig {
    /// The directory the docker CLI reads: `$DOCKER_CONFIG`, else `$HOME/.docker`.
    pub fn default_dir() -> Option<PathBuf> {
        std::env::var_os("DOCKER_CONFIG")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".docker")))
    }

    /// Loads `config.json` from [`default_dir`](Self::default_dir); no directory or no file
    /// is an empty configuration (anonymous access everywhere).
    pub fn load() -> Result<Self, CredentialError> {
        match Self::default_dir() {
            Some(dir) => Self::load_file(&dir.join("config.json")),
            None => Ok(Self::default()),
        }
    }

    /// Loads the given `config.json`; a missing file is an empty configuration.
    pub fn load_file(path: &Path) -> Result<Self, CredentialError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    path: path.to_owned(),
                    file: ConfigFile::default(),
                })
            }
            Err(reason) => {
                return Err(CredentialError::Read {
                    path: path.to_owned(),
                    reason,
                })
            }
        };
        Self::from_json(path, &text)
    }

    /// Parses `config.json` text; `path` is only used in messages.
    pub fn from_json(path: &Path, text: &str) -> Result<Self, CredentialError> {
        let file = serde_json::from_str(text).map_err(|error| CredentialError::Parse {
            path: path.to_owned(),
            // serde_json's message can quote a value it choked on; keep only the position.
            reason: format!("line {} column {}", error.line(), error.column()),
        })?;
        Ok(Self {
            path: path.to_owned(),
            file,
        })
    }

    /// The credential helper (`docker-credential-NAME`) the docker CLI would run for
    /// `domain`, if any.
    pub fn helper_for(&self, domain: &str) -> Option<String> {
        let server = server_address(domain);
        self.file
            .cred_helpers
            .get(server)
            .or(self.file.creds_store.as_ref())
            .filter(|name| !name.is_empty())
            .map(|name| format!("docker-credential-{name}"))
    }

    /// The credentials for the registry `domain` (`docker.io`, `ghcr.io`, `localhost:5000`),
    /// or `None` for anonymous access. May run a credential helper.
    pub fn credential(&self, domain: &str) -> Result<Option<Credential>, CredentialError> {
        let server = server_address(domain);
        if let Some(helper) = self.helper_for(domain) {
            return run_helper(&helper, server);
        }
        let entry = self.file.auths.get(server).or_else(|| {
            self.file
                .auths
                .iter()
                .find(|(key, _)| key_to_host(key) == key_to_host(server))
                .map(|(_, entry)| entry)
        });
        let Some(entry) = entry else {
            return Ok(None);
        };
        if let Some(token) = entry.identitytoken.as_ref().filter(|t| !t.is_empty()) {
            return Ok(Some(Credential::IdentityToken(token.clone())));
        }
        if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
            let bad = || CredentialError::BadAuth {
                server: server.to_owned(),
                path: self.path.clone(),
            };
            // Padding is optional: some tools write `auth` without it.
            let engine = base64::engine::GeneralPurpose::new(
                &base64::alphabet::STANDARD,
                base64::engine::GeneralPurposeConfig::new()
                    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
            );
            let decoded = engine.decode(auth.trim()).map_err(|_| bad())?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
            let (username, password) = decoded.split_once(':').ok_or_else(bad)?;
            return Ok(Some(Credential::Basic {
                username: username.to_owned(),
                password: password.trim_end_matches('\n').to_owned(),
            }));
        }
        match (&entry.username, &entry.password) {
            (Some(username), Some(password)) if !username.is_empty() => {
                Ok(Some(Credential::Basic {
                    username: username.clone(),
                    password: password.clone(),
                }))
            }
            _ => Ok(None),
        }
    }
}

/// Runs `helper get` with the credential-helper protocol.
fn run_helper(helper: &str, server: &str) -> Result<Option<Credential>, CredentialError> {
    // prerequisite: none (the docker-credential-* helper the user's config names)
    let mut child = Command::new(helper)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|reason| CredentialError::HelperSpawn {
            helper: helper.to_owned(),
            server: server.to_owned(),
            reason,
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that does not read its input fails below with its own message.
        let _ = stdin.write_all(server.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|reason| CredentialError::HelperSpawn {
            helper: helper.to_owned(),
            server: server.to_owned(),
            reason,
        })?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout);
        if said.contains("credentials not found") {
            return Ok(None);
        }
        return Err(CredentialError::HelperFailed {
            helper: helper.to_owned(),
            server: server.to_owned(),
            status: match output.status.code() {
                Some(code) => format!("exit status {code}"),
                None => "killed by a signal".to_owned(),
            },
        });
    }
    let answer: HelperAnswer =
        serde_json::from_slice(&output.stdout).map_err(|_| CredentialError::HelperAnswer {
            helper: helper.to_owned(),
            server: server.to_owned(),
        })?;
    if answer.username == "<token>" {
        Ok(Some(Credential::IdentityToken(answer.secret)))
    } else if answer.username.is_empty() && answer.secret.is_empty() {
        Ok(None)
    } else {
        Ok(Some(Credential::Basic {
            username: answer.username,
            password: answer.secret,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> DockerConfig {
        DockerConfig::from_json(Path::new("/x/config.json"), json).unwrap()
    }

    fn basic(username: &str, password: &str) -> Option<Credential> {
        Some(Credential::Basic {
            username: username.into(),
            password: password.into(),
        })
    }

    #[test]
    fn auths() {
        let c = config(
            r#"{"auths": {
                "reg.io": {"auth": "dXNlcjpwYTpzcw=="},
                "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA"},
                "https://other.io/v1/": {"username": "u", "password": "p"},
                "tok.io": {"auth": "", "identitytoken": "refresh"},
                "empty.io": {}
            }}"#,
        );
        assert_eq!(c.credential("reg.io").unwrap(), basic("user", "pa:ss"));
        assert_eq!(c.credential("docker.io").unwrap(), basic("hub", "secret"));
        assert_eq!(c.credential("other.io").unwrap(), basic("u", "p"));
        assert_eq!(
            c.credential("tok.io").unwrap(),
            Some(Credential::IdentityToken("refresh".into()))
        );
        assert_eq!(c.credential("empty.io").unwrap(), None);
        assert_eq!(c.credential("unknown.io").unwrap(), None);
    }

    #[test]
    fn bad_auth_names_the_server_not_the_secret() {
        let c = config(r#"{"auths": {"reg.io": {"auth": "!!notbase64-secret"}}}"#);
        let message = c.credential("reg.io").unwrap_err().to_string();
        assert_eq!(
            message,
            "the `auth` entry for reg.io in the docker config /x/config.json is not base64 of USER:PASSWORD (run `docker login` again)"
        );
    }

    #[test]
    fn helpers_take_precedence() {
        let c = config(
            r#"{"auths": {"reg.io": {"auth": "dXNlcjpwYXNz"}}, "credsStore": "store",
                "credHelpers": {"a.io": "helper-a", "https://index.docker.io/v1/": "hub"}}"#,
        );
        assert_eq!(
            c.helper_for("a.io").as_deref(),
            Some("docker-credential-helper-a")
        );
        assert_eq!(
            c.helper_for("docker.io").as_deref(),
            Some("docker-credential-hub")
        );
        assert_eq!(
            c.helper_for("reg.io").as_deref(),
            Some("docker-credential-store")
        );
        let c = config(r#"{"auths": {"reg.io": {}}}"#);
        assert_eq!(c.helper_for("reg.io"), None);
    }

    #[test]
    fn missing_helper_is_an_error_naming_it() {
        let c = config(r#"{"credHelpers": {"reg.io": "dcd-test-absent"}}"#);
        let message = c.credential("reg.io").unwrap_err().to_string();
        assert!(
            message.starts_with(
                "cannot run the credential helper `docker-credential-dcd-test-absent` for reg.io: "
            ),
            "{message}"
        );
    }

    #[test]
    fn parse_errors_do_not_quote_values() {
        let error = DockerConfig::from_json(Path::new("/x/c.json"), r#"{"auths": "secret"}"#)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("secret"), "{error}");
        assert!(
            error.starts_with("the docker config /x/c.json is not valid: line 1"),
            "{error}"
        );
    }

    #[test]
    fn debug_redacts() {
        let shown = format!(
            "{:?} {:?}",
            basic("u", "hunter2"),
            Credential::IdentityToken("tok".into())
        );
        assert_eq!(
            shown,
            "Some(Basic { username: \"u\", password: \"<redacted>\" }) IdentityToken(<redacted>)"
        );
    }

    #[test]
    fn logins() {
        assert_eq!(login_command("docker.io"), "docker login");
        assert_eq!(login_command("reg.io:5000"), "docker login reg.io:5000");
    }
}
