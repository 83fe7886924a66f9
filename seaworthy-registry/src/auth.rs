//! Authorising requests the way the registry asks: `WWW-Authenticate` challenges, basic auth,
//! and Bearer tokens from the registry's token server, cached per scope.

use std::collections::HashMap;
use std::fmt;

use reqwest::header::{HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::Response;
use serde::Deserialize;

use crate::client::Client;
use crate::credentials::Credential;
use crate::error::{Details, Error, Operation, Refusal};
use crate::retry::Attempts;

/// Access to one repository, as a token scope asks for it (`repository:PATH:ACTIONS`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Access {
    /// The repository path inside the registry (`team/app`).
    pub repository: String,
    /// Whether pushing is asked for as well as pulling.
    pub push: bool,
}

impl Access {
    pub(crate) fn pull(repository: &str) -> Self {
        Self {
            repository: repository.to_owned(),
            push: false,
        }
    }

    pub(crate) fn push(repository: &str) -> Self {
        Self {
            repository: repository.to_owned(),
            push: true,
        }
    }

    /// `pull` or `pull,push`, as the token server spells it.
    pub fn actions(&self) -> &'static str {
        if self.push {
            "pull,push"
        } else {
            "pull"
        }
    }

    /// The token scope: `repository:PATH:ACTIONS`.
    fn scope(&self) -> String {
        format!("repository:{}:{}", self.repository, self.actions())
    }

    /// `A and B`, for a message.
    pub(crate) fn list(access: &[Self]) -> String {
        access
            .iter()
            .map(Self::to_string)
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} access to {}", self.actions(), self.repository)
    }
}

/// The key a Bearer token is cached under: the request's scopes.
pub(crate) fn scope_key(scopes: &[Access]) -> String {
    scopes
        .iter()
        .map(Access::scope)
        .collect::<Vec<_>>()
        .join(" ")
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm=…`.
    Basic,
    /// `Bearer realm=…,service=…,scope=…`.
    Bearer {
        /// The token server.
        realm: String,
        /// The `service` parameter, if any.
        service: Option<String>,
        /// The `scope` parameter, if any.
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header value (one challenge).
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut params: HashMap<String, String> = HashMap::new();
    let mut chars = rest.trim().chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=')).collect();
        if key.is_empty() || chars.next() != Some('=') {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
        }
        params.insert(key.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    Some(Challenge::Bearer {
        realm: params.remove("realm")?,
        service: params.remove("service"),
        scope: params.remove("scope"),
    })
}

/// How requests to one registry are authorised, once known.
#[derive(Debug, Clone)]
pub(crate) enum Auth {
    /// No challenge seen yet (or none needed).
    Unknown,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// `Basic BASE64(USER:PASSWORD)`, marked sensitive.
fn basic_header(username: &str, password: &str) -> Option<HeaderValue> {
    use base64::Engine;
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
    sensitive(&format!("Basic {encoded}"))
}

/// A header value that is never printed.
fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(value).ok()?;
    value.set_sensitive(true);
    Some(value)
}

impl Client {
    /// The credential for `domain`, looked up (and its helper run) the first time only.
    fn credential(&mut self, domain: &str) -> Result<Option<Credential>, Error> {
        let config = &self.config;
        let host = self.hosts.get_mut(domain).expect("the host exists");
        if host.credential.is_none() {
            host.credential = Some(config.credential(domain)?);
        }
        Ok(host.credential.clone().flatten())
    }

    /// The `Authorization` header already earned for `scopes`, if any.
    pub(crate) fn authorization(&self, domain: &str, scopes: &[Access]) -> Option<HeaderValue> {
        let host = self.hosts.get(domain)?;
        match &host.auth {
            Auth::Unknown => None,
            Auth::Basic => match host.credential.clone().flatten()? {
                Credential::Basic { username, password } => basic_header(&username, &password),
                Credential::IdentityToken(_) => None,
            },
            Auth::Bearer { .. } => {
                sensitive(&format!("Bearer {}", host.tokens.get(&scope_key(scopes))?))
            }
        }
    }

    /// Before a request to a Bearer registry with scopes not asked for yet: their token.
    pub(crate) async fn prepare_token(
        &mut self,
        domain: &str,
        scopes: &[Access],
    ) -> Result<(), Error> {
        let host = self.host(domain)?;
        if let Auth::Bearer { realm, service } = host.auth.clone() {
            if !host.tokens.contains_key(&scope_key(scopes)) {
                self.fetch_token(domain, &realm, service.as_deref(), scopes)
                    .await?;
            }
        }
        Ok(())
    }

    /// Answers the challenge of a `401 Unauthorized` `response`, so that the request can be
    /// sent again: basic auth with the credentials, or a Bearer token from the realm. A
    /// challenge the credentials cannot answer is [`Error::Unauthorized`].
    pub(crate) async fn answer_challenge(
        &mut self,
        domain: &str,
        scopes: &[Access],
        response: &Response,
    ) -> Result<(), Error> {
        let challenge = response
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(parse_challenge);
        // Looked up first: the refusal says whether there were credentials.
        let credential = self.credential(domain)?;
        match challenge {
            Some(Challenge::Basic) if matches!(credential, Some(Credential::Basic { .. })) => {
                self.host(domain)?.auth = Auth::Basic;
            }
            Some(Challenge::Bearer { realm, service, .. }) => {
                self.fetch_token(domain, &realm, service.as_deref(), scopes)
                    .await?;
                self.host(domain)?.auth = Auth::Bearer { realm, service };
            }
            Some(Challenge::Basic) | None => return Err(self.unauthorized(domain, scopes)),
        }
        Ok(())
    }

    /// The error for a registry that refuses `scopes`.
    pub(crate) fn unauthorized(&self, domain: &str, scopes: &[Access]) -> Error {
        let had_credentials = self
            .hosts
            .get(domain)
            .and_then(|host| host.credential.clone().flatten())
            .is_some();
        Error::Unauthorized {
            registry: domain.to_owned(),
            refusal: if had_credentials {
                Refusal::CredentialsRefused
            } else {
                Refusal::CredentialsRequired
            },
            access: scopes.to_vec(),
        }
    }

    /// The token flow: `GET realm?service=…&scope=…` (basic auth with a password), or
    /// `POST realm` with `grant_type=refresh_token` for an identity token. The token is
    /// cached for `scopes`.
    async fn fetch_token(
        &mut self,
        domain: &str,
        realm: &str,
        service: Option<&str>,
        scopes: &[Access],
    ) -> Result<(), Error> {
        #[derive(Deserialize)]
        struct TokenAnswer {
            token: Option<String>,
            access_token: Option<String>,
        }
        let credential = self.credential(domain)?;
        let http = self.host(domain)?.http.clone();
        let scope_values: Vec<String> = scopes.iter().map(Access::scope).collect();
        let request = match &credential {
            Some(Credential::IdentityToken(token)) => {
                let mut form: Vec<(&str, &str)> = vec![
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token),
                    ("client_id", "seaworthy-registry"),
                ];
                if let Some(service) = service {
                    form.push(("service", service));
                }
                let joined = scope_values.join(" ");
                form.push(("scope", &joined));
                http.post(realm).form(&form)
            }
            other => {
                let mut query: Vec<(&str, &str)> = Vec::new();
                if let Some(service) = service {
                    query.push(("service", service));
                }
                for scope in &scope_values {
                    query.push(("scope", scope));
                }
                let request = http.get(realm).query(&query);
                match other {
                    Some(Credential::Basic { username, password }) => {
                        let value = basic_header(username, password)
                            .ok_or_else(|| self.unauthorized(domain, scopes))?;
                        request.header(AUTHORIZATION, value)
                    }
                    _ => request,
                }
            }
        };
        // Token servers rate-limit too: the request is retried like any registry call.
        let mut attempts = Attempts::new(self.options.retry);
        let result = loop {
            let Some(attempt) = request.try_clone() else {
                break request.send().await.map_err(|e| Error::network(domain, e));
            };
            let result = attempt.send().await.map_err(|e| Error::network(domain, e));
            match attempts.again(&result, Operation::Token.idempotent()) {
                Some(wait) => {
                    drop(result);
                    tokio::time::sleep(wait).await;
                }
                None => break result,
            }
        };
        let response = match result {
            Ok(response) => self.check(domain, scopes, Operation::Token, response).await,
            Err(error) => Err(error),
        }
        .map_err(|error| attempts.finish(domain, error))?;
        let status = response.status();
        let answer: TokenAnswer = response
            .json()
            .await
            .map_err(|error| Error::network(domain, error))?;
        let token = answer
            .token
            .or(answer.access_token)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::Unexpected {
                registry: domain.to_owned(),
                status,
                operation: Operation::Token,
                details: Details::NoToken,
            })?;
        self.host(domain)?.tokens.insert(scope_key(scopes), token);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/nginx:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"bearer realm="https://r/t", scope="a b""#),
            Some(Challenge::Bearer {
                realm: "https://r/t".into(),
                service: None,
                scope: Some("a b".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Basic realm="basic-realm""#),
            Some(Challenge::Basic)
        );
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
    }

    #[test]
    fn scopes() {
        let scopes = [Access::push("team/app"), Access::pull("base")];
        assert_eq!(
            scope_key(&scopes),
            "repository:team/app:pull,push repository:base:pull"
        );
        assert_eq!(
            Access::list(&scopes),
            "pull,push access to team/app and pull access to base"
        );
    }
}
