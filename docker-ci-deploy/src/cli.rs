//! The command line: a parser that behaves exactly like the Python `argparse` (3.10+) parser
//! of docker-ci-deploy 0.3.0, its `--help`, and 0.3.0's checks after parsing.
//!
//! # Why not clap
//!
//! dcd promises byte-identical usage errors and parsing for every invocation 0.3.0 accepts,
//! and clap differs from argparse in ways that are visible on the command line:
//!
//! * `nargs='+'` is greedy: `--tag a img` takes `img` as a tag, and the error is then
//!   `the following arguments are required: image`. clap's `num_args(1..)` is greedy too, but
//!   it reports `the following required arguments were not provided` with its own usage.
//! * argparse accepts any unique prefix of a long option (`--reg`, `--dry`) and refuses an
//!   ambiguous one with `ambiguous option: --ver could match --version, …` in a fixed order;
//!   clap's `infer_long_args` has neither that message nor that order.
//! * a positional after options cannot be followed by more positionals (`img -v img2` is
//!   `unrecognized arguments: img2`), while `--` marks can appear inside a positional run;
//!   `-SV1.2.3` and `-ta` split the way argparse splits them, and `-Sx` is `ignored explicit
//!   argument 'x'`, with Python's `repr` quoting.
//! * the exact texts (`argument -t/--tag: expected at least one argument`, `invalid int value:
//!   'abc'`), the usage block wrapped by argparse's algorithm for the program name in use, and
//!   exit status 2 with nothing on stdout.
//!
//! Reproducing all of that through clap's error hooks would mean re-parsing the command line
//! anyway, so this module implements argparse's algorithm for the one parser dcd needs, and
//! clap is not a dependency.

use crate::errors::ExpectedError;
use crate::plan::Settings;

/// The help text after the usage block, as argparse formats it for an 80-column terminal
/// (its width when stdout is not a terminal and `COLUMNS` is unset).
const HELP_BODY: &str = "\
Tag and push Docker images to a registry.

positional arguments:
  image                 Tags (full image names) to push

options:
  -h, --help            show this help message and exit
  -t TAG [TAG ...], --tag TAG [TAG ...]
                        Tags to tag the image with before pushing
  -V VERSION, --version VERSION
                        Prepend the given version to all tags
  -L, --version-latest  Combine with --version to also tag the image without a
                        version so that it is considered the latest version
  -S, --version-semver  Combine with --version to also tag the image with each
                        major and minor version
  -P PRECISION, --semver-precision PRECISION
                        Combine with --version-semver to specify the minimum
                        number of parts in the generated versions (default: 1)
  -Z, --semver-zero     Combine with --version-semver to tag the image with
                        the major version '0' when that is part of the
                        version. This is not done by default.
  -r REGISTRY, --registry REGISTRY
                        Address for the registry to push to
  -v, --verbose         Verbose logging output
  --dry-run             Print but do not execute any Docker commands
  --executable EXECUTABLE
                        Path to the Docker client executable (default: docker)
";

/// The usage parts argparse wraps: the options, then the positional.
const USAGE_OPTION_PARTS: &[&str] = &[
    "[-h]",
    "[-t TAG [TAG ...]]",
    "[-V VERSION]",
    "[-L]",
    "[-S]",
    "[-P PRECISION]",
    "[-Z]",
    "[-r REGISTRY]",
    "[-v]",
    "[--dry-run]",
    "[--executable EXECUTABLE]",
];
const USAGE_POSITIONAL_PARTS: &[&str] = &["image", "[image ...]"];

/// argparse's text width: 80 columns less 2.
const TEXT_WIDTH: usize = 78;

/// Where an option's values go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    Help,
    Tag,
    Version,
    VersionLatest,
    VersionSemver,
    SemverPrecision,
    SemverZero,
    Registry,
    Verbose,
    DryRun,
    Executable,
    TagVersion,
    TagLatest,
    TagSemver,
}

/// How many values an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nargs {
    Zero,
    One,
    OneOrMore,
}

/// One option, in the order 0.3.0 adds them (which fixes the order of ambiguity messages).
struct Spec {
    dest: Dest,
    strings: &'static [&'static str],
    nargs: Nargs,
}

const SPECS: &[Spec] = &[
    spec(Dest::Help, &["-h", "--help"], Nargs::Zero),
    spec(Dest::Tag, &["-t", "--tag"], Nargs::OneOrMore),
    spec(Dest::Version, &["-V", "--version"], Nargs::One),
    spec(
        Dest::VersionLatest,
        &["-L", "--version-latest"],
        Nargs::Zero,
    ),
    spec(
        Dest::VersionSemver,
        &["-S", "--version-semver"],
        Nargs::Zero,
    ),
    spec(
        Dest::SemverPrecision,
        &["-P", "--semver-precision"],
        Nargs::One,
    ),
    spec(Dest::SemverZero, &["-Z", "--semver-zero"], Nargs::Zero),
    spec(Dest::Registry, &["-r", "--registry"], Nargs::One),
    spec(Dest::Verbose, &["-v", "--verbose"], Nargs::Zero),
    spec(Dest::DryRun, &["--dry-run"], Nargs::Zero),
    spec(Dest::Executable, &["--executable"], Nargs::One),
    // The hidden deprecated aliases, added after the positional `image`.
    spec(Dest::TagVersion, &["--tag-version"], Nargs::One),
    spec(Dest::TagLatest, &["--tag-latest"], Nargs::Zero),
    spec(Dest::TagSemver, &["--tag-semver"], Nargs::Zero),
];

const fn spec(dest: Dest, strings: &'static [&'static str], nargs: Nargs) -> Spec {
    Spec {
        dest,
        strings,
        nargs,
    }
}

impl Spec {
    /// argparse's name for the option in messages: `-t/--tag`.
    fn name(&self) -> String {
        self.strings.join("/")
    }
}

/// Every option string with its spec, in argparse's `_option_string_actions` order.
fn option_strings() -> impl Iterator<Item = (&'static str, &'static Spec)> {
    SPECS
        .iter()
        .flat_map(|spec| spec.strings.iter().map(move |s| (*s, spec)))
}

fn lookup(option: &str) -> Option<&'static Spec> {
    option_strings()
        .find(|(s, _)| *s == option)
        .map(|(_, spec)| spec)
}

/// An argument that looks like an option: the option (`None` if unknown), the option string
/// it matched and the value attached to it (`-V1.2.3`, `--tag=x`).
#[derive(Clone)]
struct OptionMatch {
    spec: Option<&'static Spec>,
    option_string: String,
    explicit: Option<String>,
}

/// Why parsing stopped early.
enum Stop {
    /// `-h`/`--help` was reached.
    Help,
    /// A usage error, with argparse's message.
    Error(String),
}

impl From<String> for Stop {
    fn from(message: String) -> Self {
        Self::Error(message)
    }
}

/// The values 0.3.0's `argparse.Namespace` would hold.
#[derive(Debug, Default)]
struct Namespace {
    images: Option<Vec<String>>,
    tag: Option<Vec<Vec<String>>>,
    version: Option<String>,
    version_latest: bool,
    version_semver: bool,
    semver_precision: Option<i128>,
    semver_zero: bool,
    registry: Option<String>,
    verbose: bool,
    dry_run: bool,
    executable: Option<String>,
    /// Present when given; the inner `None` is argparse's empty list (`--tag-version=--`).
    tag_version: Option<Option<String>>,
    tag_latest: bool,
    tag_semver: bool,
}

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invocation {
    /// What to tag and push.
    pub(crate) settings: Settings,
    /// `--verbose`.
    pub(crate) verbose: bool,
    /// `--dry-run`.
    pub(crate) dry_run: bool,
    /// `--executable`.
    pub(crate) executable: String,
}

/// The outcome of parsing a well-formed command line.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// Print this help text to stdout and exit 0.
    Help(String),
    /// Run, after printing these deprecation lines to stderr.
    Run {
        /// `DEPRECATED: …` lines for stderr, printed even when `result` is a usage error.
        deprecations: Vec<String>,
        /// The invocation, or the usage error of 0.3.0's checks after parsing.
        result: Result<Invocation, ExpectedError>,
    },
}

/// The program name argparse shows: the base name of `argv[0]`.
pub(crate) fn prog_name(argv0: Option<&str>) -> String {
    argv0
        .and_then(|arg| arg.rsplit('/').next())
        .filter(|name| !name.is_empty())
        .unwrap_or("dcd")
        .to_owned()
}

/// The `usage: …` block, wrapped as argparse wraps it, ending in a newline.
pub(crate) fn usage(prog: &str) -> String {
    let prefix = "usage: ";
    let all: Vec<&str> = std::iter::once(prog)
        .chain(USAGE_OPTION_PARTS.iter().copied())
        .chain(USAGE_POSITIONAL_PARTS.iter().copied())
        .collect();
    let one_line = all.join(" ");
    if prefix.len() + one_line.len() <= TEXT_WIDTH {
        return format!("{prefix}{one_line}\n");
    }
    let lines = if (prefix.len() + prog.len()) as f64 <= 0.75 * TEXT_WIDTH as f64 {
        let indent = " ".repeat(prefix.len() + prog.len() + 1);
        let mut first: Vec<&str> = vec![prog];
        first.extend(USAGE_OPTION_PARTS);
        let mut lines = wrap_parts(&first, &indent, Some(prefix));
        lines.extend(wrap_parts(USAGE_POSITIONAL_PARTS, &indent, None));
        lines
    } else {
        // A long program name goes on its own line.
        let indent = " ".repeat(prefix.len());
        let mut parts: Vec<&str> = USAGE_OPTION_PARTS.to_vec();
        parts.extend(USAGE_POSITIONAL_PARTS);
        let mut wrapped = wrap_parts(&parts, &indent, None);
        if wrapped.len() > 1 {
            wrapped = wrap_parts(USAGE_OPTION_PARTS, &indent, None);
            wrapped.extend(wrap_parts(USAGE_POSITIONAL_PARTS, &indent, None));
        }
        std::iter::once(prog.to_owned()).chain(wrapped).collect()
    };
    format!("{prefix}{}\n", lines.join("\n"))
}

/// argparse's `get_lines`: fills lines up to the text width.
fn wrap_parts(parts: &[&str], indent: &str, prefix: Option<&str>) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line: Vec<&str> = Vec::new();
    let start_len = prefix.map_or(indent.len(), str::len) as isize - 1;
    let mut line_len = start_len;
    for part in parts {
        if line_len + 1 + part.len() as isize > TEXT_WIDTH as isize && !line.is_empty() {
            lines.push(format!("{indent}{}", line.join(" ")));
            line.clear();
            line_len = indent.len() as isize - 1;
        }
        line.push(part);
        line_len += part.len() as isize + 1;
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{}", line.join(" ")));
    }
    if prefix.is_some() {
        if let Some(first) = lines.first_mut() {
            *first = first[indent.len()..].to_owned();
        }
    }
    lines
}

/// The whole `--help` text.
pub(crate) fn help(prog: &str) -> String {
    format!("{}\n{HELP_BODY}", usage(prog))
}

/// Python's `repr()` of a string, as argparse puts it in `invalid int value: 'abc'`.
fn py_repr(value: &str) -> String {
    let quote = if value.contains('\'') && !value.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::new();
    out.push(quote);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let code = u32::from(c);
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `int()` of a string: surrounding whitespace, a sign, and digits with single `_`
/// between them. Values beyond `i128` (far beyond any version's parts) saturate (they only ever meet "too high" checks).
fn py_int(value: &str) -> Option<i128> {
    let trimmed = value.trim();
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let mut number: i128 = 0;
    for b in digits.bytes() {
        match b {
            b'_' => {}
            b'0'..=b'9' => {
                let digit = i128::from(b - b'0');
                number = number.saturating_mul(10).saturating_add(digit);
            }
            _ => return None,
        }
    }
    Some(if negative { -number } else { number })
}

/// argparse's test for arguments that are values although they start with `-`.
fn looks_like_negative_number(arg: &str) -> bool {
    let Some(rest) = arg.strip_prefix('-') else {
        return false;
    };
    let all_digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    match rest.split_once('.') {
        None => !rest.is_empty() && all_digits(rest),
        Some((int, frac)) => all_digits(int) && !frac.is_empty() && all_digits(frac),
    }
}

/// argparse's `_parse_optional`: `None` for a positional argument.
fn parse_optional(arg: &str) -> Result<Option<OptionMatch>, String> {
    if !arg.starts_with('-') {
        return Ok(None);
    }
    if let Some(spec) = lookup(arg) {
        return Ok(Some(OptionMatch {
            spec: Some(spec),
            option_string: arg.to_owned(),
            explicit: None,
        }));
    }
    if arg.chars().count() == 1 {
        return Ok(None);
    }
    if let Some((option, value)) = arg.split_once('=') {
        if let Some(spec) = lookup(option) {
            return Ok(Some(OptionMatch {
                spec: Some(spec),
                option_string: option.to_owned(),
                explicit: Some(value.to_owned()),
            }));
        }
    }
    let matches = option_tuples(arg);
    if matches.len() > 1 {
        let names: Vec<&str> = matches.iter().map(|m| m.option_string.as_str()).collect();
        return Err(format!(
            "ambiguous option: {arg} could match {}",
            names.join(", ")
        ));
    }
    if let Some(only) = matches.into_iter().next() {
        return Ok(Some(only));
    }
    if looks_like_negative_number(arg) || arg.contains(' ') {
        return Ok(None);
    }
    Ok(Some(OptionMatch {
        spec: None,
        option_string: arg.to_owned(),
        explicit: None,
    }))
}

/// argparse's `_get_option_tuples`: prefixes of long options, and short options with their
/// value attached.
fn option_tuples(arg: &str) -> Vec<OptionMatch> {
    if arg.starts_with("--") {
        let (prefix, explicit) = match arg.split_once('=') {
            Some((prefix, value)) => (prefix, Some(value.to_owned())),
            None => (arg, None),
        };
        option_strings()
            .filter(|(s, _)| s.starts_with(prefix))
            .map(|(s, spec)| OptionMatch {
                spec: Some(spec),
                option_string: s.to_owned(),
                explicit: explicit.clone(),
            })
            .collect()
    } else {
        let split = arg.char_indices().nth(2).map_or(arg.len(), |(i, _)| i);
        let (short, attached) = arg.split_at(split);
        option_strings()
            .filter_map(|(s, spec)| {
                if s == short {
                    Some(OptionMatch {
                        spec: Some(spec),
                        option_string: s.to_owned(),
                        explicit: Some(attached.to_owned()),
                    })
                } else if s.starts_with(arg) {
                    Some(OptionMatch {
                        spec: Some(spec),
                        option_string: s.to_owned(),
                        explicit: None,
                    })
                } else {
                    None
                }
            })
            .collect()
    }
}

/// The parser's state: argparse's `_parse_known_args` for 0.3.0's parser.
struct Parser<'a> {
    args: &'a [String],
    /// One of `O` (option), `A` (argument) or `-` (`--`) for each argument.
    pattern: Vec<u8>,
    options: Vec<Option<OptionMatch>>,
    namespace: Namespace,
    extras: Vec<String>,
    image_pending: bool,
}

impl<'a> Parser<'a> {
    fn new(args: &'a [String]) -> Result<Self, String> {
        let mut pattern = Vec::with_capacity(args.len());
        let mut options = Vec::with_capacity(args.len());
        let mut after_double_dash = false;
        for arg in args {
            if after_double_dash {
                pattern.push(b'A');
                options.push(None);
            } else if arg == "--" {
                after_double_dash = true;
                pattern.push(b'-');
                options.push(None);
            } else {
                let option = parse_optional(arg)?;
                pattern.push(if option.is_some() { b'O' } else { b'A' });
                options.push(option);
            }
        }
        Ok(Self {
            args,
            pattern,
            options,
            namespace: Namespace::default(),
            extras: Vec::new(),
            image_pending: true,
        })
    }

    fn next_option_at(&self, start: usize) -> Option<usize> {
        (start..self.args.len()).find(|&i| self.options[i].is_some())
    }

    fn parse(mut self) -> Result<Namespace, Stop> {
        let mut start = 0;
        while let Some(next) = self.next_option_at(start) {
            if start != next {
                let end = self.consume_positionals(start);
                if end > start {
                    start = end;
                    continue;
                }
            }
            if self.options[start].is_none() {
                self.extras.extend_from_slice(&self.args[start..next]);
                start = next;
            }
            start = self.consume_optional(start)?;
        }
        let stop = self.consume_positionals(start);
        self.extras.extend_from_slice(&self.args[stop..]);

        if self.namespace.images.is_none() {
            return Err(Stop::Error(
                "the following arguments are required: image".to_owned(),
            ));
        }
        if !self.extras.is_empty() {
            return Err(Stop::Error(format!(
                "unrecognized arguments: {}",
                self.extras.join(" ")
            )));
        }
        Ok(self.namespace)
    }

    /// Matches the positional `image` (`nargs='+'`, pattern `-*A[A-]*`) at `start`.
    fn consume_positionals(&mut self, start: usize) -> usize {
        if !self.image_pending {
            return start;
        }
        let rest = &self.pattern[start..];
        let dashes = rest.iter().take_while(|&&c| c == b'-').count();
        if rest.get(dashes) != Some(&b'A') {
            return start;
        }
        let more = rest[dashes + 1..]
            .iter()
            .take_while(|&&c| c == b'A' || c == b'-')
            .count();
        let end = start + dashes + 1 + more;
        let values = remove_double_dash(self.args[start..end].to_vec());
        self.namespace.images = Some(values);
        self.image_pending = false;
        end
    }

    /// argparse's `consume_optional`: one option argument, with any short options combined
    /// into it (`-SLZ`) and the values it takes.
    fn consume_optional(&mut self, start: usize) -> Result<usize, Stop> {
        let Some(OptionMatch {
            spec,
            mut option_string,
            mut explicit,
        }) = self.options[start].clone()
        else {
            return Ok(start + 1);
        };
        let Some(mut spec) = spec else {
            self.extras.push(self.args[start].clone());
            return Ok(start + 1);
        };
        let mut actions: Vec<(&'static Spec, Vec<String>)> = Vec::new();
        let stop;
        loop {
            if let Some(value) = explicit.take() {
                let takes_value = spec.nargs != Nargs::Zero;
                let single_dash = !option_string[1..].starts_with('-');
                if !takes_value && single_dash && !value.is_empty() {
                    actions.push((spec, Vec::new()));
                    let mut chars = value.chars();
                    let first = chars.next().map(String::from).unwrap_or_default();
                    let rest: String = chars.collect();
                    option_string = format!("-{first}");
                    match lookup(&option_string) {
                        Some(next) => {
                            spec = next;
                            explicit = (!rest.is_empty()).then_some(rest);
                        }
                        None => {
                            return Err(Stop::Error(format!(
                                "argument {}: ignored explicit argument {}",
                                spec.name(),
                                py_repr(&value)
                            )));
                        }
                    }
                } else if takes_value {
                    actions.push((spec, vec![value]));
                    stop = start + 1;
                    break;
                } else {
                    return Err(Stop::Error(format!(
                        "argument {}: ignored explicit argument {}",
                        spec.name(),
                        py_repr(&value)
                    )));
                }
            } else {
                let from = start + 1;
                let available = self.pattern[from..]
                    .iter()
                    .take_while(|&&c| c == b'A')
                    .count();
                let count = match spec.nargs {
                    Nargs::Zero => 0,
                    Nargs::One if available >= 1 => 1,
                    Nargs::One => {
                        return Err(Stop::Error(format!(
                            "argument {}: expected one argument",
                            spec.name()
                        )))
                    }
                    Nargs::OneOrMore if available >= 1 => available,
                    Nargs::OneOrMore => {
                        return Err(Stop::Error(format!(
                            "argument {}: expected at least one argument",
                            spec.name()
                        )))
                    }
                };
                actions.push((spec, self.args[from..from + count].to_vec()));
                stop = from + count;
                break;
            }
        }
        for (spec, values) in actions {
            self.take_action(spec, values)?;
        }
        Ok(stop)
    }

    /// argparse's `take_action`: stores the values (after `_get_values` drops a `--`).
    fn take_action(&mut self, spec: &Spec, values: Vec<String>) -> Result<(), Stop> {
        let values = remove_double_dash(values);
        // A one-value option whose only value was `--` gets argparse's empty list, which
        // 0.3.0 treats like a missing value.
        let single = match spec.nargs {
            Nargs::One => values.first().cloned(),
            _ => None,
        };
        let ns = &mut self.namespace;
        match spec.dest {
            Dest::Help => return Err(Stop::Help),
            Dest::Tag => ns.tag.get_or_insert_with(Vec::new).push(values),
            Dest::Version => ns.version = single,
            Dest::VersionLatest => ns.version_latest = true,
            Dest::VersionSemver => ns.version_semver = true,
            Dest::SemverPrecision => {
                ns.semver_precision = match single {
                    Some(value) => Some(py_int(&value).ok_or_else(|| {
                        format!(
                            "argument {}: invalid int value: {}",
                            spec.name(),
                            py_repr(&value)
                        )
                    })?),
                    None => None,
                };
            }
            Dest::SemverZero => ns.semver_zero = true,
            Dest::Registry => ns.registry = single,
            Dest::Verbose => ns.verbose = true,
            Dest::DryRun => ns.dry_run = true,
            // Python would print the empty list as `[]`; so does dcd.
            Dest::Executable => ns.executable = Some(single.unwrap_or_else(|| "[]".to_owned())),
            Dest::TagVersion => ns.tag_version = Some(single),
            Dest::TagLatest => ns.tag_latest = true,
            Dest::TagSemver => ns.tag_semver = true,
        }
        Ok(())
    }
}

/// `_get_values` removes the first `--` from an action's values.
fn remove_double_dash(mut values: Vec<String>) -> Vec<String> {
    if let Some(i) = values.iter().position(|v| v == "--") {
        values.remove(i);
    }
    values
}

/// 0.3.0's `_resolve_deprecated_arguments`: a `DEPRECATED: …` line for each alias given, and
/// the alias's value where the new option is missing or empty.
fn resolve_deprecated(ns: &mut Namespace) -> Vec<String> {
    let line = |old: &str, new: &str| {
        format!(
            "DEPRECATED: the --{old} option is deprecated and will be removed in the next release. Please use --{new} instead"
        )
    };
    let mut lines = Vec::new();
    if let Some(value) = ns.tag_version.clone() {
        lines.push(line("tag-version", "version"));
        if ns.version.as_deref().is_none_or(str::is_empty) {
            ns.version = value;
        }
    }
    if ns.tag_latest {
        lines.push(line("tag-latest", "version-latest"));
        ns.version_latest = true;
    }
    if ns.tag_semver {
        lines.push(line("tag-semver", "version-semver"));
        ns.version_semver = true;
    }
    lines
}

/// 0.3.0's checks after parsing, in its order; the first failure is the usage error.
fn check(ns: Namespace) -> Result<Invocation, String> {
    let version = ns.version.filter(|v| !v.is_empty());
    let precision = ns.semver_precision.unwrap_or(0);
    if ns.version_latest && version.is_none() {
        return Err("the --version-latest option requires --version".to_owned());
    }
    if ns.version_semver && version.is_none() {
        return Err("the --version-semver option requires --version".to_owned());
    }
    if precision != 0 && !ns.version_semver {
        return Err("the --semver-precision option requires --version-semver".to_owned());
    }
    if ns.semver_zero && !ns.version_semver {
        return Err("the --semver-zero option requires --version-semver".to_owned());
    }
    Ok(Invocation {
        settings: Settings {
            images: ns.images.unwrap_or_default(),
            tags: ns.tag.map(|groups| groups.into_iter().flatten().collect()),
            version,
            version_latest: ns.version_latest,
            version_semver: ns.version_semver,
            semver_precision: precision,
            semver_zero: ns.semver_zero,
            registry: ns.registry.filter(|r| !r.is_empty()),
        },
        verbose: ns.verbose,
        dry_run: ns.dry_run,
        executable: ns.executable.unwrap_or_else(|| "docker".to_owned()),
    })
}

/// Parses the arguments after the program name as 0.3.0 does.
///
/// A malformed command line is an [`ExpectedError::Usage`]; a well-formed one is help or an
/// invocation (which may still fail 0.3.0's checks, after its deprecation lines).
pub(crate) fn parse(prog: &str, args: &[String]) -> Result<Parsed, ExpectedError> {
    let usage_error = |message: String| ExpectedError::Usage {
        usage: usage(prog),
        prog: prog.to_owned(),
        message,
    };
    let parser = Parser::new(args).map_err(usage_error)?;
    let mut ns = match parser.parse() {
        Ok(ns) => ns,
        Err(Stop::Help) => return Ok(Parsed::Help(help(prog))),
        Err(Stop::Error(message)) => return Err(usage_error(message)),
    };
    let deprecations = resolve_deprecated(&mut ns);
    Ok(Parsed::Run {
        deprecations,
        result: check(ns).map_err(usage_error),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_args(args: &[&str]) -> Result<Parsed, ExpectedError> {
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        parse("dcd", &args)
    }

    fn invocation(args: &[&str]) -> Invocation {
        match parse_args(args) {
            Ok(Parsed::Run {
                result: Ok(invocation),
                ..
            }) => invocation,
            other => panic!("{args:?} gave {other:?}"),
        }
    }

    fn error(args: &[&str]) -> String {
        match parse_args(args) {
            Err(err)
            | Ok(Parsed::Run {
                result: Err(err), ..
            }) => {
                assert_eq!(err.process_exit_code(), 2);
                err.to_string()
            }
            other => panic!("{args:?} gave {other:?}"),
        }
    }

    #[test]
    fn usage_wraps_like_argparse() {
        assert_eq!(
            usage("dcd"),
            "usage: dcd [-h] [-t TAG [TAG ...]] [-V VERSION] [-L] [-S] [-P PRECISION] [-Z]\n           [-r REGISTRY] [-v] [--dry-run] [--executable EXECUTABLE]\n           image [image ...]\n"
        );
        assert_eq!(
            usage("docker-ci-deploy"),
            "usage: docker-ci-deploy [-h] [-t TAG [TAG ...]] [-V VERSION] [-L] [-S]\n                        [-P PRECISION] [-Z] [-r REGISTRY] [-v] [--dry-run]\n                        [--executable EXECUTABLE]\n                        image [image ...]\n"
        );
    }

    #[test]
    fn tags_are_greedy_and_flattened() {
        let inv = invocation(&[
            "-t",
            "abc",
            "def",
            "-t",
            "ghi",
            "--executable",
            "echo",
            "img",
        ]);
        assert_eq!(
            inv.settings.tags,
            Some(vec!["abc".into(), "def".into(), "ghi".into()])
        );
        assert_eq!(inv.executable, "echo");
        assert_eq!(inv.settings.images, ["img"]);
        assert_eq!(
            error(&["--tag", "alpine", "my-image:latest"]),
            "the following arguments are required: image"
        );
        let inv = invocation(&["--tag", "a", "b", "--", "img"]);
        assert_eq!(inv.settings.tags, Some(vec!["a".into(), "b".into()]));
        assert_eq!(inv.settings.images, ["img"]);
        let inv = invocation(&["img", "--tag", "a", "b"]);
        assert_eq!(inv.settings.images, ["img"]);
        let inv = invocation(&["--tag=x", "img"]);
        assert_eq!(inv.settings.tags, Some(vec!["x".into()]));
    }

    #[test]
    fn attached_combined_and_abbreviated() {
        let inv = invocation(&["-V1.2.3", "-SLZ", "-ta", "--reg=r:1", "--dry", "img"]);
        assert_eq!(inv.settings.version.as_deref(), Some("1.2.3"));
        assert!(inv.settings.version_semver && inv.settings.version_latest);
        assert!(inv.settings.semver_zero && inv.dry_run);
        assert_eq!(inv.settings.tags, Some(vec!["a".into()]));
        assert_eq!(inv.settings.registry.as_deref(), Some("r:1"));
        let inv = invocation(&["-SV", "2", "--semver-p", "2", "--exec", "x", "img"]);
        assert_eq!(inv.settings.version.as_deref(), Some("2"));
        assert_eq!(inv.settings.semver_precision, 2);
        assert_eq!(inv.executable, "x");
    }

    #[test]
    fn last_one_wins() {
        let inv = invocation(&[
            "-V", "1.2.3", "-V", "2.0.0", "-r", "a:1", "-r", "b:2", "img",
        ]);
        assert_eq!(inv.settings.version.as_deref(), Some("2.0.0"));
        assert_eq!(inv.settings.registry.as_deref(), Some("b:2"));
        let inv = invocation(&["-V", "1", "-S", "-P", "3", "-P", "2", "img"]);
        assert_eq!(inv.settings.semver_precision, 2);
    }

    #[test]
    fn usage_errors() {
        let cases: &[(&[&str], &str)] = &[
            (&["--ver", "1", "img"], "ambiguous option: --ver could match --version, --version-latest, --version-semver, --verbose"),
            (&["--t", "x", "img"], "ambiguous option: --t could match --tag, --tag-version, --tag-latest, --tag-semver"),
            (&["--ver=1", "img"], "ambiguous option: --ver=1 could match --version, --version-latest, --version-semver, --verbose"),
            (&["-V", "-1.2.3", "img"], "argument -V/--version: expected one argument"),
            (&["-V", "1", "-S", "-P", "abc", "img"], "argument -P/--semver-precision: invalid int value: 'abc'"),
            (&["-V", "1", "-S", "-P", "1.5", "img"], "argument -P/--semver-precision: invalid int value: '1.5'"),
            (&["-V", "1", "-S", "-P", "-1.5", "img"], "argument -P/--semver-precision: invalid int value: '-1.5'"),
            (&["-P", "it's", "img"], "argument -P/--semver-precision: invalid int value: \"it's\""),
            (&["--bogus", "img"], "unrecognized arguments: --bogus"),
            (&["img", "-v", "img2"], "unrecognized arguments: img2"),
            (&["--tag", "--", "test-image"], "argument -t/--tag: expected at least one argument"),
            (&["--version", "1.2.3", "--version-semver", "--semver-precision", "--", "test-image"], "argument -P/--semver-precision: expected one argument"),
            (&["--registry", "--", "test-image"], "argument -r/--registry: expected one argument"),
            (&["--executable", "--", "test-image"], "argument --executable: expected one argument"),
            (&["--tag", "abc"], "the following arguments are required: image"),
            (&[], "the following arguments are required: image"),
            (&["-Sx", "img"], "argument -S/--version-semver: ignored explicit argument 'x'"),
            (&["--dry-run=yes", "img"], "argument --dry-run: ignored explicit argument 'yes'"),
            (&["--version-latest", "test-image:abc"], "the --version-latest option requires --version"),
            (&["--version-latest", "--version", "", "test-image:abc"], "the --version-latest option requires --version"),
            (&["--version-semver", "test-image:abc"], "the --version-semver option requires --version"),
            (&["--version-semver", "--version", "", "test-image:abc"], "the --version-semver option requires --version"),
            (&["--semver-precision", "2", "test-image:abc"], "the --semver-precision option requires --version-semver"),
            (&["--semver-zero", "test-image:abc"], "the --semver-zero option requires --version-semver"),
            (&["-L", "-S", "-V", "", "img"], "the --version-latest option requires --version"),
        ];
        for (args, expected) in cases {
            assert_eq!(error(args), *expected, "{args:?}");
        }
    }

    #[test]
    fn precision_values() {
        for (value, expected) in [("0", 0), ("-1", -1), (" 2 ", 2), ("+3", 3), ("1_0", 10)] {
            let inv = invocation(&["-V", "1", "-S", "-P", value, "img"]);
            assert_eq!(inv.settings.semver_precision, expected, "{value:?}");
        }
        // 0 counts as not given: no "requires --version-semver".
        let inv = invocation(&["-V", "1.2.3", "-P", "0", "img"]);
        assert_eq!(inv.settings.semver_precision, 0);
        for bad in ["1__0", "_1", "1_", "", "0x1"] {
            assert!(py_int(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn help_wins_where_argparse_reaches_it() {
        assert!(matches!(parse_args(&["-h"]), Ok(Parsed::Help(_))));
        assert!(matches!(parse_args(&["--he"]), Ok(Parsed::Help(_))));
        assert!(matches!(parse_args(&["-vh"]), Ok(Parsed::Help(_))));
        assert!(matches!(
            parse_args(&["-h", "-P", "abc"]),
            Ok(Parsed::Help(_))
        ));
        assert_eq!(
            error(&["-P", "abc", "-h"]),
            "argument -P/--semver-precision: invalid int value: 'abc'"
        );
    }

    #[test]
    fn double_dash() {
        let inv = invocation(&["img", "--", "-t"]);
        assert_eq!(inv.settings.images, ["img", "-t"]);
        let inv = invocation(&["-v", "--", "a", "--", "b"]);
        assert_eq!(inv.settings.images, ["a", "--", "b"]);
        // `-t--` hands --tag an empty list: no tags at all.
        let inv = invocation(&["-t--", "img"]);
        assert_eq!(inv.settings.tags, Some(vec![]));
        let inv = invocation(&["-V=--", "img"]);
        assert_eq!(inv.settings.version, None);
    }

    #[test]
    fn deprecated_aliases() {
        match parse_args(&[
            "--version",
            "1.2.3",
            "--tag-version",
            "4.5.6",
            "--tag-l",
            "--tag-s",
            "img",
        ]) {
            Ok(Parsed::Run {
                deprecations,
                result: Ok(inv),
            }) => {
                assert_eq!(deprecations, [
                    "DEPRECATED: the --tag-version option is deprecated and will be removed in the next release. Please use --version instead",
                    "DEPRECATED: the --tag-latest option is deprecated and will be removed in the next release. Please use --version-latest instead",
                    "DEPRECATED: the --tag-semver option is deprecated and will be removed in the next release. Please use --version-semver instead",
                ]);
                assert_eq!(inv.settings.version.as_deref(), Some("1.2.3"));
                assert!(inv.settings.version_latest && inv.settings.version_semver);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn repr_quotes_like_python() {
        assert_eq!(py_repr("abc"), "'abc'");
        assert_eq!(py_repr("a'b"), "\"a'b\"");
        assert_eq!(py_repr("a'b\""), "'a\\'b\"'");
        assert_eq!(py_repr("a\\b\n"), "'a\\\\b\\n'");
        assert_eq!(py_repr("\u{7}é"), "'\\x07é'");
    }
}
