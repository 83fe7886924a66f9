//! The TLS material of an engine (`ca.pem`, `cert.pem`, `key.pem` in one directory, as the
//! docker CLI reads `DOCKER_CERT_PATH` and a context's TLS directory), checked before connecting
//! so that a missing or unreadable file is named rather than failing the handshake.

use std::path::{Path, PathBuf};

use super::TlsFiles;
use crate::error::EngineError;
use crate::error::{Error, Result};

/// The three files, each present, readable and PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Material {
    pub(crate) ca: PathBuf,
    pub(crate) cert: PathBuf,
    pub(crate) key: PathBuf,
}

/// Checks the files of `tls` for the engine at `address`.
pub(crate) fn material(tls: &TlsFiles, address: &str) -> Result<Material> {
    let fail = |path: &Path, reason: String| {
        Error::from(EngineError::EngineTls {
            address: address.to_string(),
            path: path.to_path_buf(),
            reason,
        })
    };
    if !tls.verify {
        return Err(fail(
            &tls.dir,
            "TLS without verifying the engine (DOCKER_TLS, or a context with SkipTLSVerify) is \
             not supported; set DOCKER_TLS_VERIFY=1 with the engine's CA in ca.pem"
                .to_string(),
        ));
    }
    let check = |file: &str, marker: &str| -> Result<PathBuf> {
        let path = tls.dir.join(file);
        let text = std::fs::read_to_string(&path).map_err(|e| fail(&path, e.to_string()))?;
        if !text.contains(marker) {
            return Err(fail(&path, format!("no `{marker}` block in it")));
        }
        Ok(path)
    };
    Ok(Material {
        ca: check("ca.pem", "-----BEGIN CERTIFICATE-----")?,
        cert: check("cert.pem", "-----BEGIN CERTIFICATE-----")?,
        key: check("key.pem", "PRIVATE KEY-----")?,
    })
}

#[cfg(test)]
mod should {
    use super::*;

    #[test]
    fn name_the_missing_or_malformed_file() {
        let dir = std::env::temp_dir().join(format!("seaworthy-tls-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let tls = TlsFiles {
            dir: dir.clone(),
            verify: true,
        };
        let msg = |tls: &TlsFiles| material(tls, "tcp://e:2376").unwrap_err().to_string();
        assert_eq!(
            msg(&tls),
            format!(
                "cannot use the TLS files for the Docker engine at `tcp://e:2376`: {}: No such \
                 file or directory (os error 2)\n(hint: DOCKER_CERT_PATH (default ~/.docker) \
                 must hold ca.pem, cert.pem and key.pem, as the docker CLI reads them)",
                dir.join("ca.pem").display()
            )
        );
        let cert = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";
        std::fs::write(dir.join("ca.pem"), cert).unwrap();
        std::fs::write(dir.join("cert.pem"), cert).unwrap();
        std::fs::write(dir.join("key.pem"), cert).unwrap();
        assert!(msg(&tls).contains(&format!(
            "{}: no `PRIVATE KEY-----` block in it",
            dir.join("key.pem").display()
        )));
        std::fs::write(dir.join("key.pem"), "-----BEGIN PRIVATE KEY-----\n").unwrap();
        assert_eq!(
            material(&tls, "a").unwrap(),
            Material {
                ca: dir.join("ca.pem"),
                cert: dir.join("cert.pem"),
                key: dir.join("key.pem"),
            }
        );
        let skip = TlsFiles {
            verify: false,
            ..tls
        };
        assert!(msg(&skip).contains("is not supported; set DOCKER_TLS_VERIFY=1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
