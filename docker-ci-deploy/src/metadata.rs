//! What a run pushed, for the next CI step: `--metadata-file PATH` (JSON, described by
//! `metadata.schema.json` beside the crate's README) and, under GitHub Actions, the `tags` and
//! `digest` outputs appended to `$GITHUB_OUTPUT`. Both modes write the same fields.

use std::io::Write;

use serde_json::{json, Value};

use crate::errors::ExpectedError;
use crate::forward::Held;

/// The version of the metadata file's format (`metadata.schema.json`).
pub(crate) const FORMAT: u64 = 1;

/// One tag pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pushed {
    /// The reference (`reg:5000/app:1.2.3`).
    pub(crate) reference: String,
    /// Its digest, when known (the docker CLI may not report it).
    pub(crate) digest: Option<String>,
}

/// One referrer or cosign tag copied (or, with `--dry-run`, found).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CopiedReferrer {
    /// The manifest's digest.
    pub(crate) digest: String,
    /// Its artifact type or media type.
    pub(crate) artifact_type: String,
    /// `referrers-api`, `tag-schema` or `tag`.
    pub(crate) found: &'static str,
    /// The tag it is kept under, for cosign tags and the tag schema index.
    pub(crate) tag: Option<String>,
}

/// What happened to one image argument.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ImageReport {
    /// The image argument.
    pub(crate) source: String,
    /// The digest every tag of it has, when known.
    pub(crate) digest: Option<String>,
    /// The tags pushed (or created in the registry).
    pub(crate) tags: Vec<Pushed>,
    /// The floating tags held back by `--only-forward`.
    pub(crate) skipped: Vec<Held>,
    /// Referrers and cosign tags copied (`--with-referrers`).
    pub(crate) referrers: Vec<CopiedReferrer>,
}

/// What the whole run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Report {
    /// `docker` (CLI mode) or `registry` (`--in-registry`).
    pub(crate) mode: &'static str,
    /// One entry per image argument, in order.
    pub(crate) images: Vec<ImageReport>,
}

/// The tag of `reference` (after the last `:` that follows the last `/`).
fn tag_of(reference: &str) -> Option<&str> {
    let last = reference.rsplit('/').next()?;
    last.rsplit_once(':').map(|(_, tag)| tag)
}

impl Report {
    /// The image report for `source`, made on first use.
    pub(crate) fn image(&mut self, source: &str) -> &mut ImageReport {
        if let Some(i) = self.images.iter().position(|i| i.source == source) {
            return &mut self.images[i];
        }
        self.images.push(ImageReport {
            source: source.to_owned(),
            ..ImageReport::default()
        });
        self.images.last_mut().expect("pushed above")
    }

    /// Every reference pushed, in order.
    fn all_tags(&self) -> Vec<&str> {
        self.images
            .iter()
            .flat_map(|i| i.tags.iter().map(|t| t.reference.as_str()))
            .collect()
    }

    /// The first image's digest.
    fn digest(&self) -> Option<&str> {
        self.images.iter().find_map(|i| i.digest.as_deref())
    }

    /// The JSON of the metadata file.
    pub(crate) fn to_json(&self) -> Value {
        let images: Vec<Value> = self
            .images
            .iter()
            .map(|image| {
                json!({
                    "source": image.source,
                    "digest": image.digest,
                    "tags": image.tags.iter().map(|t| json!({
                        "reference": t.reference,
                        "tag": tag_of(&t.reference),
                        "digest": t.digest,
                    })).collect::<Vec<_>>(),
                    "skipped": image.skipped.iter().map(|h| json!({
                        "reference": h.reference,
                        "reason": h.reason,
                    })).collect::<Vec<_>>(),
                    "referrers": image.referrers.iter().map(|r| json!({
                        "digest": r.digest,
                        "artifactType": r.artifact_type,
                        "found": r.found,
                        "tag": r.tag,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "format": FORMAT,
            "mode": self.mode,
            "tags": self.all_tags(),
            "digest": self.digest(),
            "images": images,
        })
    }

    /// Writes the metadata file.
    pub(crate) fn write_file(&self, path: &str) -> Result<(), ExpectedError> {
        let mut text = serde_json::to_string_pretty(&self.to_json()).expect("JSON serialises");
        text.push('\n');
        std::fs::write(path, text).map_err(|reason| ExpectedError::Metadata {
            path: path.to_owned(),
            reason,
        })
    }

    /// The lines appended to `$GITHUB_OUTPUT`: `tags` (one reference a line) and `digest`.
    pub(crate) fn github_output(&self) -> String {
        let tags = self.all_tags().join("\n");
        // A delimiter that cannot occur in the value (GitHub's multi-line syntax).
        let mut delimiter = format!(
            "dcd_{}",
            &seaworthy_registry::sha256_digest(tags.as_bytes())[7..23]
        );
        while tags.contains(&delimiter) {
            delimiter.push('_');
        }
        format!(
            "tags<<{delimiter}\n{tags}\n{delimiter}\ndigest={}\n",
            self.digest().unwrap_or("")
        )
    }

    /// Appends [`github_output`](Self::github_output) to the file `$GITHUB_OUTPUT` names,
    /// when running under GitHub Actions.
    pub(crate) fn write_github_output(&self) -> Result<(), ExpectedError> {
        if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
            return Ok(());
        }
        let Some(path) = std::env::var_os("GITHUB_OUTPUT").filter(|p| !p.is_empty()) else {
            return Ok(());
        };
        let shown = path.to_string_lossy().into_owned();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(self.github_output().as_bytes()))
            .map_err(|reason| ExpectedError::Metadata {
                path: format!("{shown} ($GITHUB_OUTPUT)"),
                reason,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        let mut report = Report {
            mode: "registry",
            images: Vec::new(),
        };
        let image = report.image("reg/app:sha-1");
        image.digest = Some("sha256:aa".into());
        image.tags.push(Pushed {
            reference: "reg:5000/app:1.2.3".into(),
            digest: Some("sha256:aa".into()),
        });
        image.tags.push(Pushed {
            reference: "reg:5000/app".into(),
            digest: None,
        });
        report
    }

    #[test]
    fn json_and_github_output() {
        let json = report().to_json();
        assert_eq!(json["tags"], json!(["reg:5000/app:1.2.3", "reg:5000/app"]));
        assert_eq!(json["digest"], "sha256:aa");
        assert_eq!(json["images"][0]["tags"][0]["tag"], "1.2.3");
        assert_eq!(json["images"][0]["tags"][1]["tag"], Value::Null);
        let output = report().github_output();
        let delimiter = output
            .lines()
            .next()
            .unwrap()
            .strip_prefix("tags<<")
            .unwrap();
        assert_eq!(
            output,
            format!("tags<<{delimiter}\nreg:5000/app:1.2.3\nreg:5000/app\n{delimiter}\ndigest=sha256:aa\n")
        );
    }
}
