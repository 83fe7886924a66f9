//! [`MetadataCheck`]: expectations on an image's configuration and history.

use super::error::{tick, tick_list, verdict, Failure, StructureError};
use super::image::ImageStructure;

/// An expected value: exact, or a regex searched in the value (unanchored, as CST does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Expect {
    Exact(String),
    Regex(String),
}

impl Expect {
    pub(crate) fn describe(&self) -> String {
        match self {
            Expect::Exact(v) => tick(v),
            Expect::Regex(p) => format!("a match of regex `{p}`"),
        }
    }

    pub(crate) fn holds(&self, value: &str, image: &str) -> Result<bool, StructureError> {
        match self {
            Expect::Exact(v) => Ok(v == value),
            Expect::Regex(p) => Ok(compile(p, image)?.is_match(value)),
        }
    }
}

pub(crate) fn compile(pattern: &str, image: &str) -> Result<regex::Regex, StructureError> {
    regex::Regex::new(pattern).map_err(|e| {
        StructureError::invalid(image, format!("regex `{pattern}` does not compile: {e}"))
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    User(String),
    Entrypoint(Vec<String>),
    Cmd(Vec<String>),
    Workdir(String),
    Env(String, Expect),
    EnvAbsent(String),
    Label(String, Expect),
    LabelAbsent(String),
    Exposed(String, bool),
    /// CST compares port numbers only (`80` matches `80/tcp` and `80/udp`).
    ExposedNumber(String, bool),
    Volume(String, bool),
    Healthcheck(Option<Vec<String>>),
    StopSignal(Option<String>),
    Layers(usize),
    MaxLayers(usize),
    MaxSize(u64),
}

/// Expectations on an image's metadata, checked by [`ImageStructure::check`] without any
/// container. Each method adds one expectation; all of them are checked and every one that
/// fails is reported.
///
/// ```no_run
/// # async fn demo(image: seaworthy::structure::ImageStructure) -> Result<(), seaworthy::structure::StructureError> {
/// use seaworthy::structure::MetadataCheck;
///
/// image.check(
///     &MetadataCheck::new()
///         .user("app")
///         .entrypoint(["/bin/busybox", "httpd", "-f"])
///         .env_matches("PATH", r"(^|:)/usr/bin(:|$)")
///         .label("org.opencontainers.image.title", "web")
///         .exposes("8080")
///         .max_layers(5),
/// )?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MetadataCheck {
    items: Vec<Item>,
}

impl MetadataCheck {
    /// No expectations yet.
    pub fn new() -> MetadataCheck {
        MetadataCheck::default()
    }

    fn with(mut self, item: Item) -> MetadataCheck {
        self.items.push(item);
        self
    }

    /// `USER` is exactly this (`""` for an image that sets none).
    pub fn user(self, user: impl Into<String>) -> MetadataCheck {
        self.with(Item::User(user.into()))
    }

    /// `ENTRYPOINT` is exactly this (empty: none).
    pub fn entrypoint<I: IntoIterator<Item = S>, S: Into<String>>(self, argv: I) -> MetadataCheck {
        self.with(Item::Entrypoint(argv.into_iter().map(Into::into).collect()))
    }

    /// `CMD` is exactly this (empty: none).
    pub fn cmd<I: IntoIterator<Item = S>, S: Into<String>>(self, argv: I) -> MetadataCheck {
        self.with(Item::Cmd(argv.into_iter().map(Into::into).collect()))
    }

    /// `WORKDIR` is exactly this.
    pub fn workdir(self, dir: impl Into<String>) -> MetadataCheck {
        self.with(Item::Workdir(dir.into()))
    }

    /// The variable is set to exactly this value.
    pub fn env(self, name: impl Into<String>, value: impl Into<String>) -> MetadataCheck {
        self.with(Item::Env(name.into(), Expect::Exact(value.into())))
    }

    /// The variable is set and the regex matches somewhere in its value.
    pub fn env_matches(self, name: impl Into<String>, pattern: impl Into<String>) -> MetadataCheck {
        self.with(Item::Env(name.into(), Expect::Regex(pattern.into())))
    }

    /// The variable is not set.
    pub fn env_absent(self, name: impl Into<String>) -> MetadataCheck {
        self.with(Item::EnvAbsent(name.into()))
    }

    /// The label has exactly this value.
    pub fn label(self, name: impl Into<String>, value: impl Into<String>) -> MetadataCheck {
        self.with(Item::Label(name.into(), Expect::Exact(value.into())))
    }

    /// The label is set and the regex matches somewhere in its value.
    pub fn label_matches(
        self,
        name: impl Into<String>,
        pattern: impl Into<String>,
    ) -> MetadataCheck {
        self.with(Item::Label(name.into(), Expect::Regex(pattern.into())))
    }

    /// The label is not set.
    pub fn label_absent(self, name: impl Into<String>) -> MetadataCheck {
        self.with(Item::LabelAbsent(name.into()))
    }

    /// The port is exposed: `8080` (TCP) or `53/udp`.
    pub fn exposes(self, port: impl Into<String>) -> MetadataCheck {
        self.with(Item::Exposed(with_proto(port.into()), true))
    }

    /// The port is not exposed: `8080` (TCP) or `53/udp`.
    pub fn does_not_expose(self, port: impl Into<String>) -> MetadataCheck {
        self.with(Item::Exposed(with_proto(port.into()), false))
    }

    pub(crate) fn exposes_number(self, port: impl Into<String>, exposed: bool) -> MetadataCheck {
        self.with(Item::ExposedNumber(port.into(), exposed))
    }

    /// The path is a `VOLUME`.
    pub fn volume(self, path: impl Into<String>) -> MetadataCheck {
        self.with(Item::Volume(path.into(), true))
    }

    /// The path is not a `VOLUME`.
    pub fn no_volume(self, path: impl Into<String>) -> MetadataCheck {
        self.with(Item::Volume(path.into(), false))
    }

    /// The `HEALTHCHECK` test is exactly this (`["CMD", "…"]` or `["CMD-SHELL", "…"]`).
    pub fn healthcheck<I: IntoIterator<Item = S>, S: Into<String>>(self, test: I) -> MetadataCheck {
        self.with(Item::Healthcheck(Some(
            test.into_iter().map(Into::into).collect(),
        )))
    }

    /// The image has no `HEALTHCHECK`.
    pub fn no_healthcheck(self) -> MetadataCheck {
        self.with(Item::Healthcheck(None))
    }

    /// `STOPSIGNAL` is this (`SIGQUIT`).
    pub fn stop_signal(self, signal: impl Into<String>) -> MetadataCheck {
        self.with(Item::StopSignal(Some(signal.into())))
    }

    /// The image sets no `STOPSIGNAL` (SIGTERM applies).
    pub fn no_stop_signal(self) -> MetadataCheck {
        self.with(Item::StopSignal(None))
    }

    /// The image has exactly this many filesystem layers.
    pub fn layers(self, count: usize) -> MetadataCheck {
        self.with(Item::Layers(count))
    }

    /// The image has at most this many filesystem layers.
    pub fn max_layers(self, count: usize) -> MetadataCheck {
        self.with(Item::MaxLayers(count))
    }

    /// The image is at most this many bytes.
    pub fn max_size(self, bytes: u64) -> MetadataCheck {
        self.with(Item::MaxSize(bytes))
    }

    /// `true` when nothing is expected.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub(crate) fn evaluate(&self, img: &ImageStructure) -> Result<Vec<Failure>, StructureError> {
        let image = img.image();
        let mut out = Vec::new();
        let env = img.env();
        let labels = img.labels();
        for item in &self.items {
            match item {
                Item::User(u) if img.user() != u => {
                    out.push(Failure::new("user", tick(u), tick(img.user())))
                }
                Item::Entrypoint(e) if img.entrypoint() != e.as_slice() => out.push(Failure::new(
                    "entrypoint",
                    tick_list(e),
                    tick_list(img.entrypoint()),
                )),
                Item::Cmd(c) if img.cmd() != c.as_slice() => {
                    out.push(Failure::new("cmd", tick_list(c), tick_list(img.cmd())))
                }
                Item::Workdir(w) if img.workdir() != w => {
                    out.push(Failure::new("workdir", tick(w), tick(img.workdir())))
                }
                Item::Env(name, expect) => {
                    let subject = format!("env `{name}`");
                    match env.iter().find(|(k, _)| k == name) {
                        None => out.push(Failure::new(subject, expect.describe(), "unset")),
                        Some((_, v)) if !expect.holds(v, image)? => {
                            out.push(Failure::new(subject, expect.describe(), tick(v)))
                        }
                        Some(_) => {}
                    }
                }
                Item::EnvAbsent(name) => {
                    if let Some((_, v)) = env.iter().find(|(k, _)| k == name) {
                        out.push(Failure::new(format!("env `{name}`"), "unset", tick(v)))
                    }
                }
                Item::Label(name, expect) => {
                    let subject = format!("label `{name}`");
                    match labels.get(name) {
                        None => out.push(Failure::new(subject, expect.describe(), "no such label")),
                        Some(v) if !expect.holds(v, image)? => {
                            out.push(Failure::new(subject, expect.describe(), tick(v)))
                        }
                        Some(_) => {}
                    }
                }
                Item::LabelAbsent(name) => {
                    if let Some(v) = labels.get(name) {
                        out.push(Failure::new(
                            format!("label `{name}`"),
                            "no such label",
                            tick(v),
                        ))
                    }
                }
                Item::Exposed(port, want) => {
                    let ports = img.exposed_ports();
                    if ports.contains(port) != *want {
                        out.push(port_failure(port, *want, &ports));
                    }
                }
                Item::ExposedNumber(port, want) => {
                    let ports = img.exposed_ports();
                    let found = ports
                        .iter()
                        .any(|p| p.split('/').next() == Some(port.as_str()));
                    if found != *want {
                        out.push(port_failure(port, *want, &ports));
                    }
                }
                Item::Volume(path, want) => {
                    let volumes = img.volumes();
                    if volumes.contains(path) != *want {
                        let expected = if *want { "a volume" } else { "no volume" };
                        out.push(Failure::new(
                            format!("volume `{path}`"),
                            expected,
                            format!("volumes {}", tick_list(&volumes)),
                        ));
                    }
                }
                Item::Healthcheck(want) => {
                    let found = img.healthcheck();
                    if &found != want {
                        let show = |h: &Option<Vec<String>>| match h {
                            Some(t) => tick_list(t),
                            None => "no healthcheck".to_string(),
                        };
                        out.push(Failure::new("healthcheck", show(want), show(&found)));
                    }
                }
                Item::StopSignal(want) => {
                    let found = img.stop_signal().map(str::to_string);
                    if &found != want {
                        let show = |s: &Option<String>| match s {
                            Some(s) => tick(s),
                            None => "none (SIGTERM)".to_string(),
                        };
                        out.push(Failure::new("stop signal", show(want), show(&found)));
                    }
                }
                Item::Layers(n) if img.layer_count() != *n => out.push(Failure::new(
                    "layer count",
                    n.to_string(),
                    img.layer_count().to_string(),
                )),
                Item::MaxLayers(n) if img.layer_count() > *n => out.push(Failure::new(
                    "layer count",
                    format!("at most {n}"),
                    img.layer_count().to_string(),
                )),
                Item::MaxSize(n) if img.size() > *n => out.push(Failure::new(
                    "size",
                    format!("at most {n} bytes"),
                    format!("{} bytes", img.size()),
                )),
                _ => {}
            }
        }
        Ok(out)
    }
}

impl ImageStructure {
    /// Every metadata check that does not hold (empty when all do).
    pub fn failures(&self, check: &MetadataCheck) -> Result<Vec<Failure>, StructureError> {
        check.evaluate(self)
    }

    /// Checks the metadata; the error lists every check that failed, with what was expected
    /// and what was found. No container is created.
    pub fn check(&self, check: &MetadataCheck) -> Result<(), StructureError> {
        verdict(self.image(), check.evaluate(self)?)
    }
}

fn with_proto(port: String) -> String {
    if port.contains('/') {
        port
    } else {
        format!("{port}/tcp")
    }
}

fn port_failure(port: &str, want: bool, ports: &[String]) -> Failure {
    let expected = if want { "exposed" } else { "not exposed" };
    Failure::new(
        format!("port `{port}`"),
        expected,
        format!("exposed ports {}", tick_list(ports)),
    )
}
