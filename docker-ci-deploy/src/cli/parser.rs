//! argparse's `_parse_known_args`, for 0.3.0's one parser: which arguments are options,
//! how options take their values, and what is left over.

use super::python::{looks_like_negative_number, py_int, py_repr};

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
    InRegistry,
    GitTagVersion,
    OnlyForward,
    Force,
    MetadataFile,
    WithReferrers,
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
    // dcd's own options, hidden from the usage block and `--help` so that 0.3.0's stay byte
    // for byte. Their first letters (`i`, `g`) start no 0.3.0 option, so every abbreviation
    // 0.3.0 accepted (`--reg`, `--dry`) or refused as ambiguous (`--ver`, `--t`) still parses
    // the same way; `--registry-mode` or `--remote` would have made `--reg`/`--r` ambiguous.
    spec(Dest::InRegistry, &["--in-registry"], Nargs::Zero),
    spec(Dest::GitTagVersion, &["--git-tag-version"], Nargs::Zero),
    // The release-pipeline options: `o`, `f`, `m` and `w` start no 0.3.0 option either.
    spec(Dest::OnlyForward, &["--only-forward"], Nargs::Zero),
    spec(Dest::Force, &["--force"], Nargs::Zero),
    spec(Dest::MetadataFile, &["--metadata-file"], Nargs::One),
    spec(Dest::WithReferrers, &["--with-referrers"], Nargs::Zero),
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
pub(super) enum Stop {
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
pub(super) struct Namespace {
    pub(super) images: Option<Vec<String>>,
    pub(super) tag: Option<Vec<Vec<String>>>,
    pub(super) version: Option<String>,
    pub(super) version_latest: bool,
    pub(super) version_semver: bool,
    pub(super) semver_precision: Option<i128>,
    pub(super) semver_zero: bool,
    pub(super) registry: Option<String>,
    pub(super) verbose: bool,
    pub(super) dry_run: bool,
    pub(super) executable: Option<String>,
    /// Present when given; the inner `None` is argparse's empty list (`--tag-version=--`).
    pub(super) tag_version: Option<Option<String>>,
    pub(super) tag_latest: bool,
    pub(super) tag_semver: bool,
    pub(super) in_registry: bool,
    pub(super) git_tag_version: bool,
    pub(super) only_forward: bool,
    pub(super) force: bool,
    pub(super) metadata_file: Option<String>,
    pub(super) with_referrers: bool,
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
pub(super) struct Parser<'a> {
    args: &'a [String],
    /// One of `O` (option), `A` (argument) or `-` (`--`) for each argument.
    pattern: Vec<u8>,
    options: Vec<Option<OptionMatch>>,
    namespace: Namespace,
    extras: Vec<String>,
    image_pending: bool,
}

impl<'a> Parser<'a> {
    pub(super) fn new(args: &'a [String]) -> Result<Self, String> {
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

    pub(super) fn parse(mut self) -> Result<Namespace, Stop> {
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
            Dest::InRegistry => ns.in_registry = true,
            Dest::GitTagVersion => ns.git_tag_version = true,
            Dest::OnlyForward => ns.only_forward = true,
            Dest::Force => ns.force = true,
            Dest::MetadataFile => ns.metadata_file = single,
            Dest::WithReferrers => ns.with_referrers = true,
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
