//! Docker contexts as the CLI stores them: the current one in `<config>/config.json`
//! (`currentContext`), each one's endpoint in `<config>/contexts/meta/<sha256(name)>/meta.json`
//! (`Endpoints.docker.Host`, `SkipTLSVerify`) and its TLS material in
//! `<config>/contexts/tls/<sha256(name)>/docker/{ca,cert,key}.pem`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::TlsFiles;
use crate::error::EngineError;
use crate::error::{Error, Result};

/// The config's `currentContext`, if the file exists and names one.
pub(crate) fn current_context(config_dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(config_dir.join("config.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("currentContext")?
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The directory name the CLI stores a context under: the hex SHA-256 of its name.
pub(crate) fn context_id(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The docker endpoint of the context `name`: its host, and its TLS files if it has any.
pub(crate) fn endpoint(config_dir: &Path, name: &str) -> Result<(String, Option<TlsFiles>)> {
    let id = context_id(name);
    let meta: PathBuf = config_dir.join("contexts/meta").join(&id).join("meta.json");
    let fail = |reason: String| {
        Error::from(EngineError::DockerContext {
            name: name.to_string(),
            reason,
        })
    };
    let text = std::fs::read_to_string(&meta).map_err(|e| {
        fail(format!(
            "cannot read {}: {e} (`docker context ls` lists the contexts there are)",
            meta.display()
        ))
    })?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| fail(format!("{} is not valid JSON: {e}", meta.display())))?;
    let docker = &json["Endpoints"]["docker"];
    let host = docker["Host"]
        .as_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| fail(format!("{} has no Endpoints.docker.Host", meta.display())))?;
    let skip_verify = docker["SkipTLSVerify"].as_bool().unwrap_or(false);
    let tls_dir = config_dir.join("contexts/tls").join(&id).join("docker");
    let tls = tls_dir.is_dir().then_some(TlsFiles {
        dir: tls_dir,
        verify: !skip_verify,
    });
    Ok((host.to_string(), tls))
}

#[cfg(test)]
mod should {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("seaworthy-context-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn name_the_store_directory_as_the_cli_does() {
        // Where the CLI keeps the metadata of its `default` context.
        assert_eq!(
            context_id("default"),
            "37a8eec1ce19687d132fe29051dca629d164e2c4958ba141d5f4133a33f0688f"
        );
    }

    #[test]
    fn read_the_endpoint_and_tls_material_of_a_context() {
        let dir = temp_dir("read");
        std::fs::write(dir.join("config.json"), r#"{"currentContext":"ci"}"#).unwrap();
        assert_eq!(current_context(&dir).as_deref(), Some("ci"));
        let meta = dir.join("contexts/meta").join(context_id("ci"));
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"ci","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://127.0.0.3:2376","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        assert_eq!(
            endpoint(&dir, "ci").unwrap(),
            ("tcp://127.0.0.3:2376".to_string(), None)
        );
        let tls = dir
            .join("contexts/tls")
            .join(context_id("ci"))
            .join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        assert_eq!(
            endpoint(&dir, "ci").unwrap().1,
            Some(TlsFiles {
                dir: tls,
                verify: true
            })
        );
        let e = endpoint(&dir, "nope").unwrap_err().to_string();
        assert!(
            e.starts_with("cannot use the Docker context `nope`: cannot read "),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
