//! Progress of a pull (layers done out of known, bytes downloaded) and of a build (the
//! Dockerfile step), and the compact `--nocapture` lines
//! (`seaworthy: pulling postgres:15: 7/12 layers, 41.2/150.3 MB`,
//! `seaworthy: building app:test: step 3/7`).
//!
//! The pull runs on the library's runtime, whose threads libtest does not capture; its lines
//! travel through a channel to the caller's task, which prints them with `println!` from the
//! test's own thread (see [`forward`]), so they show with `--nocapture` or a failed test only.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bollard::models::CreateImageInfo;
use tokio::sync::mpsc::UnboundedSender;

use crate::text::secs;

/// The shortest time between two progress lines.
const LINE_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, Default, Clone, Copy)]
struct Layer {
    done: bool,
    current: u64,
    total: u64,
}

/// The state of one pull, fed with the engine's progress messages.
#[derive(Debug)]
pub(crate) struct Progress {
    image: String,
    layers: BTreeMap<String, Layer>,
    started: Instant,
    last_line: Option<Instant>,
    lines: Option<UnboundedSender<String>>,
}

impl Progress {
    /// A pull of `image` that sends its lines to `lines` (none: tracing only).
    pub(crate) fn new(image: &str, lines: Option<UnboundedSender<String>>) -> Self {
        Progress {
            image: image.to_string(),
            layers: BTreeMap::new(),
            started: Instant::now(),
            last_line: None,
            lines,
        }
    }

    fn emit(&self, line: String) {
        tracing::info!(target: "seaworthy", image = %self.image, "{line}");
        if let Some(tx) = &self.lines {
            // The caller stopped listening (its test ended): the pull goes on regardless.
            let _ = tx.send(line);
        }
    }

    /// Announces the pull.
    pub(crate) fn start(&mut self, registry: &str) {
        self.started = Instant::now();
        self.last_line = Some(self.started);
        self.emit(format!("pulling {} from {registry}", self.image));
    }

    /// Takes one progress message of the engine into account; prints a line when the last one
    /// is more than a second old.
    pub(crate) fn update(&mut self, info: &CreateImageInfo) {
        self.apply(info);
        let now = Instant::now();
        if self
            .last_line
            .is_none_or(|last| now.duration_since(last) >= LINE_INTERVAL)
            && !self.layers.is_empty()
        {
            self.last_line = Some(now);
            self.emit(format!("pulling {}: {}", self.image, self.summary()));
        }
    }

    fn apply(&mut self, info: &CreateImageInfo) {
        let (Some(id), Some(status)) = (&info.id, &info.status) else {
            return;
        };
        // Messages with an ID but about the whole image (`Pulling from library/x`, `Digest:`)
        // carry the tag as ID; layer IDs are 12 hex digits.
        if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return;
        }
        let layer = self.layers.entry(id.clone()).or_default();
        let detail = info.progress_detail.as_ref();
        let (current, total) = (
            detail.and_then(|d| d.current).unwrap_or(0).max(0) as u64,
            detail.and_then(|d| d.total).unwrap_or(0).max(0) as u64,
        );
        match status.as_str() {
            "Downloading" => {
                layer.current = current;
                if total > 0 {
                    layer.total = total;
                }
            }
            "Download complete" | "Verifying Checksum" | "Extracting" => {
                layer.current = layer.total;
            }
            "Pull complete" | "Already exists" => {
                layer.done = true;
                layer.current = layer.total;
            }
            _ => {}
        }
    }

    /// `3/5 layers, 1.2/4.0 MB`.
    fn summary(&self) -> String {
        let done = self.layers.values().filter(|l| l.done).count();
        let current: u64 = self.layers.values().map(|l| l.current).sum();
        let total: u64 = self.layers.values().map(|l| l.total).sum();
        format!(
            "{done}/{} layers, {}/{} MB",
            self.layers.len(),
            megabytes(current),
            megabytes(total)
        )
    }

    /// Announces the end of a successful pull, with its time.
    pub(crate) fn finish(&mut self) {
        let line = format!(
            "pulled {} in {}: {}",
            self.image,
            secs(self.started.elapsed()),
            self.summary()
        );
        self.emit(line);
    }
}

/// The state of one build, fed with the lines of the engine's build output.
#[derive(Debug)]
pub(crate) struct BuildProgress {
    tag: String,
    started: Instant,
    last_line: Instant,
    step: Option<(usize, usize)>,
    lines: Option<UnboundedSender<String>>,
}

impl BuildProgress {
    /// Announces the build of `tag` from `context` (printed only for a build that runs).
    pub(crate) fn start(tag: &str, context: &str, lines: Option<UnboundedSender<String>>) -> Self {
        let progress = BuildProgress {
            tag: tag.to_string(),
            started: Instant::now(),
            last_line: Instant::now(),
            step: None,
            lines,
        };
        progress.emit(format!("building {tag} from {context}"));
        progress
    }

    fn emit(&self, line: String) {
        tracing::info!(target: "seaworthy", image = %self.tag, "{line}");
        if let Some(tx) = &self.lines {
            let _ = tx.send(line);
        }
    }

    /// Takes one line of build output into account (`Step 3/7 : RUN …`); prints a line when
    /// the step changed and the last line is more than a second old.
    pub(crate) fn output_line(&mut self, line: &str) {
        let Some(step) = parse_step(line) else {
            return;
        };
        self.step = Some(step);
        let now = Instant::now();
        if now.duration_since(self.last_line) >= LINE_INTERVAL {
            self.last_line = now;
            self.emit(format!("building {}: step {}/{}", self.tag, step.0, step.1));
        }
    }

    /// Announces the end of a successful build, with its time.
    pub(crate) fn finish(&self) {
        let steps = self
            .step
            .map(|(_, total)| format!(" ({total} steps)"))
            .unwrap_or_default();
        self.emit(format!(
            "built {} in {}{steps}",
            self.tag,
            secs(self.started.elapsed())
        ));
    }
}

/// `Step 3/7 : RUN …` → `(3, 7)`.
fn parse_step(line: &str) -> Option<(usize, usize)> {
    let rest = line.strip_prefix("Step ")?;
    let (numbers, _) = rest.split_once(' ').unwrap_or((rest, ""));
    let (n, total) = numbers.split_once('/')?;
    Some((n.parse().ok()?, total.parse().ok()?))
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}

/// Prints every line received, as `seaworthy: LINE`, from the calling task, until the sender
/// is dropped.
pub(crate) async fn forward(mut lines: tokio::sync::mpsc::UnboundedReceiver<String>) {
    while let Some(line) = lines.recv().await {
        crate::console::line(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::ProgressDetail;

    fn info(id: &str, status: &str, current: i64, total: i64) -> CreateImageInfo {
        CreateImageInfo {
            id: Some(id.to_string()),
            status: Some(status.to_string()),
            progress_detail: Some(ProgressDetail {
                current: Some(current),
                total: Some(total),
            }),
            ..Default::default()
        }
    }

    #[test]
    fn layers_and_bytes_are_counted() {
        let mut p = Progress::new("127.0.0.1:5000/app:1", None);
        p.apply(&info("1", "Pulling from app", 0, 0));
        p.apply(&info("aaaaaaaaaaaa", "Pulling fs layer", 0, 0));
        p.apply(&info("bbbbbbbbbbbb", "Already exists", 0, 0));
        p.apply(&info("cccccccccccc", "Downloading", 500_000, 2_000_000));
        p.apply(&info("aaaaaaaaaaaa", "Downloading", 1_000_000, 1_000_000));
        p.apply(&info("aaaaaaaaaaaa", "Pull complete", 0, 0));
        assert_eq!(p.summary(), "2/3 layers, 1.5/3.0 MB");
        p.apply(&info("cccccccccccc", "Download complete", 0, 0));
        p.apply(&info("cccccccccccc", "Pull complete", 0, 0));
        assert_eq!(p.summary(), "3/3 layers, 3.0/3.0 MB");
    }

    #[test]
    fn build_steps_are_read_from_the_output() {
        assert_eq!(parse_step("Step 3/7 : RUN apt-get update"), Some((3, 7)));
        assert_eq!(parse_step("Step 12/12 : CMD [\"x\"]"), Some((12, 12)));
        assert_eq!(parse_step(" ---> Running in 0a1b2c"), None);
        assert_eq!(parse_step("Step x/7 : RUN"), None);
    }

    #[test]
    fn a_build_prints_its_start_at_most_a_line_a_second_and_its_end() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut p = BuildProgress::start("app:test", "test-images/app", Some(tx));
        for n in 1..=5 {
            p.output_line(&format!("Step {n}/5 : RUN true"));
            p.output_line(" ---> Running in 0a1b2c");
        }
        p.finish();
        drop(p);
        let mut lines = Vec::new();
        while let Ok(line) = rx.try_recv() {
            lines.push(line);
        }
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0], "building app:test from test-images/app");
        assert!(
            lines[1].starts_with("built app:test in ") && lines[1].ends_with("s (5 steps)"),
            "{lines:?}"
        );
    }

    #[test]
    fn lines_are_at_most_one_per_second() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let mut p = Progress::new("app:1", Some(tx));
        p.start("docker.io");
        for n in 0..50 {
            p.update(&info("aaaaaaaaaaaa", "Downloading", n, 100));
        }
        p.finish();
        drop(p);
        let mut lines = Vec::new();
        while let Ok(line) = rx.try_recv() {
            lines.push(line);
        }
        assert_eq!(lines[0], "pulling app:1 from docker.io");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[1].starts_with("pulled app:1 in ")
                && lines[1].ends_with(": 0/1 layers, 0.0/0.0 MB"),
            "{lines:?}"
        );
    }
}
