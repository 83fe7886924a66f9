//! [`CommandCheck`]: a command run in a fresh container of the image, and what it must print.

use std::sync::Mutex;

use bollard::container::LogOutput;
use bollard::models::{ContainerCreateBody, HostConfig};
use bollard::query_parameters::{
    CommitContainerOptionsBuilder, LogsOptionsBuilder, RemoveImageOptionsBuilder,
};
use futures_util::StreamExt;

use super::error::{tick_list, Failure, StructureError};
use super::image::ImageStructure;
use super::metadata::compile;
use crate::engine::retry;
use crate::exec::ExecOutput;
use crate::helper::{DockerHelper, ResourceKind};
use crate::matchers::Matcher;
use crate::runtime;

/// A command to run in a fresh container of the image, with the checks on how it ends.
///
/// The container runs the command directly: the image's `ENTRYPOINT` is cleared (as CST does)
/// unless [`entrypoint`](Self::entrypoint) sets one. Setup commands run first, each in its own
/// container whose filesystem is committed for the next (the command sees what they did);
/// teardown commands run after it, from its filesystem, and must exit 0. Every container and
/// committed image is removed afterwards. The exit code must be 0 unless
/// [`exit_code`](Self::exit_code) says otherwise.
///
/// ```no_run
/// # async fn demo(image: seaworthy::structure::ImageStructure) -> Result<(), seaworthy::structure::StructureError> {
/// use seaworthy::matchers::Unordered;
/// use seaworthy::structure::CommandCheck;
///
/// let out = image
///     .run(
///         CommandCheck::new(["busybox", "id", "-u"])
///             .user("app")
///             .stdout_matches(r"^1000\n$")
///             .stderr_excludes("."),
///     )
///     .await?;
/// assert_eq!(out.output.exit_code, 0);
///
/// image
///     .run(
///         CommandCheck::new(["busybox", "env"])
///             .env("GREETING", "hello")
///             .stdout_lines(Unordered::by_regex([r"^GREETING=hello$", r"^PATH="]).unwrap()),
///     )
///     .await?;
/// # Ok(()) }
/// ```
pub struct CommandCheck {
    pub(crate) name: Option<String>,
    pub(crate) command: Vec<String>,
    pub(crate) entrypoint: Option<Vec<String>>,
    pub(crate) setup: Vec<Vec<String>>,
    pub(crate) teardown: Vec<Vec<String>>,
    pub(crate) env: Vec<String>,
    pub(crate) user: Option<String>,
    pub(crate) tty: bool,
    pub(crate) privileged: bool,
    pub(crate) cap_add: Vec<String>,
    pub(crate) binds: Vec<String>,
    /// A container whose network and PID namespaces the command's container joins.
    pub(crate) join: Option<String>,
    exit_code: i64,
    stdout: Vec<(String, bool)>,
    stderr: Vec<(String, bool)>,
    stdout_lines: Vec<Mutex<Box<dyn Matcher>>>,
}

impl std::fmt::Debug for CommandCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandCheck")
            .field("command", &self.command)
            .field("entrypoint", &self.entrypoint)
            .field("setup", &self.setup)
            .field("teardown", &self.teardown)
            .field("env", &self.env)
            .field("user", &self.user)
            .field("exit_code", &self.exit_code)
            .finish_non_exhaustive()
    }
}

impl CommandCheck {
    /// The command and its arguments (no shell is involved).
    pub fn new<I: IntoIterator<Item = S>, S: Into<String>>(command: I) -> CommandCheck {
        CommandCheck {
            name: None,
            command: command.into_iter().map(Into::into).collect(),
            entrypoint: None,
            setup: Vec::new(),
            teardown: Vec::new(),
            env: Vec::new(),
            user: None,
            tty: false,
            privileged: false,
            cap_add: Vec::new(),
            binds: Vec::new(),
            join: None,
            exit_code: 0,
            stdout: Vec::new(),
            stderr: Vec::new(),
            stdout_lines: Vec::new(),
        }
    }

    /// Runs the command through this entrypoint instead of none.
    pub fn entrypoint<I: IntoIterator<Item = S>, S: Into<String>>(
        mut self,
        argv: I,
    ) -> CommandCheck {
        self.entrypoint = Some(argv.into_iter().map(Into::into).collect());
        self
    }

    /// A setup command, run before the command in a container of its own whose filesystem
    /// the next one starts from. May be given several times; they run in order.
    pub fn setup<I: IntoIterator<Item = S>, S: Into<String>>(mut self, argv: I) -> CommandCheck {
        self.setup.push(argv.into_iter().map(Into::into).collect());
        self
    }

    /// A teardown command, run after the command from its filesystem; it must exit 0.
    pub fn teardown<I: IntoIterator<Item = S>, S: Into<String>>(mut self, argv: I) -> CommandCheck {
        self.teardown
            .push(argv.into_iter().map(Into::into).collect());
        self
    }

    /// An environment variable for the setup, the command and the teardown (added to the
    /// image's).
    pub fn env(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> CommandCheck {
        self.env
            .push(format!("{}={}", name.as_ref(), value.as_ref()));
        self
    }

    /// Runs as this user (`name`, `uid` or `uid:gid`) instead of the image's `USER`.
    pub fn user(mut self, user: impl Into<String>) -> CommandCheck {
        self.user = Some(user.into());
        self
    }

    /// The exit code it must end with (default 0).
    pub fn exit_code(mut self, code: i64) -> CommandCheck {
        self.exit_code = code;
        self
    }

    /// The regex matches somewhere in stdout (all of it: `(?m)` for `^`/`$` at line ends).
    pub fn stdout_matches(mut self, pattern: impl Into<String>) -> CommandCheck {
        self.stdout.push((pattern.into(), true));
        self
    }

    /// The regex matches nowhere in stdout.
    pub fn stdout_excludes(mut self, pattern: impl Into<String>) -> CommandCheck {
        self.stdout.push((pattern.into(), false));
        self
    }

    /// The regex matches somewhere in stderr.
    pub fn stderr_matches(mut self, pattern: impl Into<String>) -> CommandCheck {
        self.stderr.push((pattern.into(), true));
        self
    }

    /// The regex matches nowhere in stderr.
    pub fn stderr_excludes(mut self, pattern: impl Into<String>) -> CommandCheck {
        self.stderr.push((pattern.into(), false));
        self
    }

    /// A [`Matcher`] fed stdout's lines one by one must complete (for example an
    /// [`Unordered`](crate::matchers::Unordered) of regexes, one line per pattern).
    pub fn stdout_lines(mut self, matcher: impl Matcher + 'static) -> CommandCheck {
        self.stdout_lines.push(Mutex::new(Box::new(matcher)));
        self
    }

    fn failures(&self, image: &str, out: &ExecOutput) -> Result<Vec<Failure>, StructureError> {
        let subject = |what: &str| match &self.name {
            Some(n) => format!("command `{n}`: {what}"),
            None => format!("command {}: {what}", tick_list(&self.command)),
        };
        let mut failures = Vec::new();
        for (stream, text, checks) in [
            ("stdout", out.stdout_str(), &self.stdout),
            ("stderr", out.stderr_str(), &self.stderr),
        ] {
            for (pattern, want) in checks {
                let found = compile(pattern, image)?.is_match(&text);
                if found != *want {
                    let expected = if *want { "a match" } else { "no match" };
                    failures.push(Failure::new(
                        subject(stream),
                        format!("{expected} of regex `{pattern}`"),
                        format!("{text:?}"),
                    ));
                }
            }
        }
        for matcher in &self.stdout_lines {
            let mut m = crate::sync::lock(matcher);
            let mut done = false;
            for line in out.stdout_lines() {
                if m.matches(&line).unwrap_or(true) {
                    done = true;
                    break;
                }
            }
            if !done {
                failures.push(Failure::new(
                    subject("stdout lines"),
                    format!("them to complete {m}"),
                    format!("{:?}", out.stdout_str()),
                ));
            }
        }
        if out.exit_code != self.exit_code {
            failures.push(Failure::new(
                subject("exit code"),
                self.exit_code.to_string(),
                out.exit_code.to_string(),
            ));
        }
        Ok(failures)
    }
}

/// How a command ended, and the checks that did not hold.
#[derive(Debug, Clone)]
pub struct CommandOutcome {
    /// Its exit code, stdout and stderr.
    pub output: ExecOutput,
    /// The checks that did not hold, a failing teardown included (empty when all held).
    pub failures: Vec<Failure>,
}

impl CommandOutcome {
    /// The failures, the last one followed by the output, for a message.
    pub(crate) fn failures_with_output(&self) -> Vec<Failure> {
        let mut f = self.failures.clone();
        f.push(Failure::new(
            "its output",
            "",
            format!(
                "exit code {}, stdout {:?}, stderr {:?}",
                self.output.exit_code,
                self.output.stdout_str(),
                self.output.stderr_str()
            ),
        ));
        f
    }
}

/// What runs in one container.
struct Run<'a> {
    image: String,
    cmd: &'a [String],
    entrypoint: Vec<String>,
    commit: bool,
}

impl ImageStructure {
    /// Runs a command in a fresh container of the image (after its setup commands) and checks
    /// its exit code and output: see [`CommandCheck`]. The error lists every check that failed
    /// with the command's output.
    pub async fn run(&self, check: CommandCheck) -> Result<CommandOutcome, StructureError> {
        let outcome = run_command(self, check).await?;
        if outcome.failures.is_empty() {
            Ok(outcome)
        } else {
            Err(StructureError::failed(
                self.image(),
                outcome.failures_with_output(),
            ))
        }
    }

    /// Like [`run`](Self::run), returning the outcome with its failures instead of an error.
    pub async fn run_unchecked(
        &self,
        check: CommandCheck,
    ) -> Result<CommandOutcome, StructureError> {
        run_command(self, check).await
    }
}

pub(crate) async fn run_command(
    img: &ImageStructure,
    check: CommandCheck,
) -> Result<CommandOutcome, StructureError> {
    if check.command.is_empty() {
        return Err(StructureError::invalid(
            img.image(),
            "the command is empty\n(hint: give `CommandCheck::new` the program and its arguments)",
        ));
    }
    let helper = img.helper();
    let mut committed: Vec<String> = Vec::new();
    let result = run_all(helper, img, &check, &mut committed).await;
    // Newest first: each committed image is the parent of the next.
    let mut cleanup_error = None;
    for id in committed.iter().rev() {
        if let Err(e) = remove_image(helper, id).await {
            cleanup_error.get_or_insert(e);
        }
    }
    let outcome = result?;
    if let Some(e) = cleanup_error {
        return Err(StructureError::engine(img.image(), e));
    }
    Ok(outcome)
}

async fn run_all(
    helper: &DockerHelper,
    img: &ImageStructure,
    check: &CommandCheck,
    committed: &mut Vec<String>,
) -> Result<CommandOutcome, StructureError> {
    let engine = |e| StructureError::engine(img.image(), e);
    let mut current = img.id().to_string();
    let none = vec![String::new()];
    for setup in &check.setup {
        let (out, image) = run_one(
            helper,
            check,
            Run {
                image: current.clone(),
                cmd: setup,
                entrypoint: none.clone(),
                commit: true,
            },
        )
        .await
        .map_err(engine)?;
        if let Some(image) = image {
            committed.push(image.clone());
            current = image;
        }
        if !out.success() {
            return Err(StructureError::failed(
                img.image(),
                vec![Failure::new(
                    format!("setup command {}", tick_list(setup)),
                    "exit code 0",
                    format!(
                        "exit code {}, stdout {:?}, stderr {:?}",
                        out.exit_code,
                        out.stdout_str(),
                        out.stderr_str()
                    ),
                )],
            ));
        }
    }
    let entrypoint = check.entrypoint.clone().unwrap_or(none.clone());
    let (output, image) = run_one(
        helper,
        check,
        Run {
            image: current.clone(),
            cmd: &check.command,
            entrypoint,
            commit: !check.teardown.is_empty(),
        },
    )
    .await
    .map_err(engine)?;
    let mut failures = check.failures(img.image(), &output)?;
    if let Some(image) = image {
        committed.push(image.clone());
        current = image;
    }
    for teardown in &check.teardown {
        let (out, _) = run_one(
            helper,
            check,
            Run {
                image: current.clone(),
                cmd: teardown,
                entrypoint: none.clone(),
                commit: false,
            },
        )
        .await
        .map_err(engine)?;
        if !out.success() {
            failures.push(Failure::new(
                format!("teardown command {}", tick_list(teardown)),
                "exit code 0",
                format!("exit code {}, stderr {:?}", out.exit_code, out.stderr_str()),
            ));
        }
    }
    Ok(CommandOutcome { output, failures })
}

/// Creates, starts and waits for one container, reads its output, commits it when asked and
/// removes it.
async fn run_one(
    helper: &DockerHelper,
    check: &CommandCheck,
    run: Run<'_>,
) -> crate::Result<(ExecOutput, Option<String>)> {
    helper.before_create().await;
    let name = helper.resource_name("structure-command");
    let body = ContainerCreateBody {
        image: Some(run.image.clone()),
        cmd: Some(run.cmd.to_vec()),
        entrypoint: Some(run.entrypoint),
        env: (!check.env.is_empty()).then(|| check.env.clone()),
        user: check.user.clone(),
        tty: Some(check.tty),
        labels: Some(helper.labels("structure-command")),
        host_config: Some(HostConfig {
            privileged: Some(check.privileged),
            cap_add: (!check.cap_add.is_empty()).then(|| check.cap_add.clone()),
            binds: (!check.binds.is_empty()).then(|| check.binds.clone()),
            network_mode: check.join.as_ref().map(|id| format!("container:{id}")),
            pid_mode: check.join.as_ref().map(|id| format!("container:{id}")),
            ..Default::default()
        }),
        ..Default::default()
    };
    let id = super::files::create(helper, &name, body).await?;
    let (docker, target) = (helper.docker().clone(), helper.target());
    let (cid, cname, commit) = (id.clone(), name.clone(), run.commit);
    let result = runtime::run(async move {
        let action = |what: &str| format!("{what} container `{cname}`");
        docker
            .start_container(&cid, None)
            .await
            .map_err(|e| retry::fail_once(&target, action("start"), e))?;
        let mut wait = Box::pin(docker.wait_container(&cid, None));
        let exit_code = match wait.next().await {
            Some(Ok(r)) => r.status_code,
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
            Some(Err(e)) => return Err(retry::fail_once(&target, action("wait for"), e)),
            None => -1,
        };
        let mut logs = Box::pin(docker.logs(
            &cid,
            Some(LogsOptionsBuilder::new().stdout(true).stderr(true).build()),
        ));
        let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
        while let Some(frame) = logs.next().await {
            match frame.map_err(|e| retry::fail_once(&target, action("read the logs of"), e))? {
                LogOutput::StdErr { message } => stderr.extend_from_slice(&message),
                LogOutput::StdOut { message } | LogOutput::Console { message } => {
                    stdout.extend_from_slice(&message)
                }
                LogOutput::StdIn { .. } => {}
            }
        }
        let image = if commit {
            let options = CommitContainerOptionsBuilder::new().container(&cid).build();
            let r = docker
                .commit_container(options, bollard::models::ContainerConfig::default())
                .await
                .map_err(|e| retry::fail_once(&target, action("commit"), e))?;
            Some(r.id)
        } else {
            None
        };
        Ok((
            ExecOutput {
                exit_code,
                stdout,
                stderr,
            },
            image,
        ))
    })
    .await;
    let removed = helper.remove(ResourceKind::Container, &id, &name).await;
    let result = result?;
    removed?;
    Ok(result)
}

async fn remove_image(helper: &DockerHelper, id: &str) -> crate::Result<()> {
    let (docker, target, id) = (helper.docker().clone(), helper.target(), id.to_string());
    runtime::run(async move {
        let options = RemoveImageOptionsBuilder::new().force(true).build();
        match docker.remove_image(&id, Some(options), None).await {
            Ok(_)
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(e) => Err(retry::fail_once(
                &target,
                format!("remove committed image `{id}`"),
                e,
            )),
        }
    })
    .await
}
