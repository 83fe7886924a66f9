//! A repository's tag list (`GET /v2/REPO/tags/list`), every page of it.

use reqwest::header::LINK;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::auth::Access;
use crate::client::{header, Client};
use crate::error::{Details, Error, Operation};
use crate::reference::Reference;

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// The next page's URL from a `Link: </v2/…?n=…&last=…>; rel="next"` header.
fn next_page(base: &str, link: Option<String>) -> Option<Url> {
    let link = link?;
    let target = link.split(';').next()?.trim();
    let target = target.strip_prefix('<')?.strip_suffix('>')?;
    link.contains("rel=\"next\"")
        .then(|| Url::parse(base).ok()?.join(target).ok())
        .flatten()
}

impl Client {
    /// Every tag of `repository`'s repository, in the registry's order (all pages). A
    /// repository that does not exist yet has none.
    pub async fn list_tags(&mut self, repository: &Reference) -> Result<Vec<String>, Error> {
        let domain = repository.domain();
        let scopes = [Access::pull(repository.path())];
        let mut tags = Vec::new();
        let mut next: Option<Url> = None;
        loop {
            let operation = Operation::ListTags {
                repository: repository.name(),
            };
            let first = format!("/v2/{}/tags/list", repository.path());
            let page = next.clone();
            let response = self
                .send(
                    domain,
                    &scopes,
                    operation.clone(),
                    |http, base| match &page {
                        Some(url) => http.get(url.clone()),
                        None => http.get(format!("{base}{first}")),
                    },
                )
                .await?;
            if response.status() == StatusCode::NOT_FOUND {
                return Ok(tags);
            }
            let base = self.base(domain)?;
            next = next_page(&base, header(response.headers(), LINK.as_str()));
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|error| Error::network(domain, error))?;
            let list: TagList = serde_json::from_slice(&body).map_err(|_| Error::Unexpected {
                registry: domain.to_owned(),
                status,
                operation,
                details: Details::Text(String::from_utf8_lossy(&body).chars().take(200).collect()),
            })?;
            tags.extend(list.tags.unwrap_or_default());
            if next.is_none() {
                return Ok(tags);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header() {
        assert_eq!(
            next_page(
                "http://r:5000",
                Some("</v2/app/tags/list?last=b&n=2>; rel=\"next\"".into())
            )
            .map(String::from),
            Some("http://r:5000/v2/app/tags/list?last=b&n=2".to_owned())
        );
        assert_eq!(next_page("http://r:5000", None), None);
        assert_eq!(next_page("http://r:5000", Some("garbage".into())), None);
    }
}
