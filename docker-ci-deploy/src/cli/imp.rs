//! From the arguments to an [`Invocation`]: parsing, 0.3.0's deprecated aliases and its
//! checks after parsing.

use super::help::{help, usage};
use super::parser::{Namespace, Parser, Stop};
use crate::errors::ExpectedError;
use crate::plan::Settings;

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
    /// `--in-registry`: tag in the registry with its HTTP API instead of the docker CLI.
    pub(crate) in_registry: bool,
    /// `--git-tag-version`: the version is the git tag being built (resolved later, as it
    /// reads the environment and may run git).
    pub(crate) git_tag_version: bool,
    /// `--only-forward`: floating tags move only to the highest released version.
    pub(crate) only_forward: bool,
    /// `--force`: an exact version tag may be overwritten with another digest.
    pub(crate) force: bool,
    /// `--metadata-file PATH`: where to write what was pushed, as JSON.
    pub(crate) metadata_file: Option<String>,
    /// `--with-referrers`: copy the image's signatures, SBOMs and attestations too.
    pub(crate) with_referrers: bool,
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
    // `--git-tag-version` stands in for `--version`.
    let no_version = version.is_none() && !ns.git_tag_version;
    if ns.version_latest && no_version {
        return Err("the --version-latest option requires --version".to_owned());
    }
    if ns.version_semver && no_version {
        return Err("the --version-semver option requires --version".to_owned());
    }
    if precision != 0 && !ns.version_semver {
        return Err("the --semver-precision option requires --version-semver".to_owned());
    }
    if ns.semver_zero && !ns.version_semver {
        return Err("the --semver-zero option requires --version-semver".to_owned());
    }
    // dcd's own checks, after 0.3.0's (which they cannot change: they need dcd's options).
    if ns.git_tag_version && version.is_some() {
        return Err(
            "argument --git-tag-version: not allowed with argument -V/--version".to_owned(),
        );
    }
    if ns.in_registry && ns.executable.is_some() {
        return Err("argument --executable: not allowed with argument --in-registry".to_owned());
    }
    if ns.only_forward && no_version {
        return Err("the --only-forward option requires --version".to_owned());
    }
    if ns.with_referrers && !ns.in_registry {
        return Err("the --with-referrers option requires --in-registry".to_owned());
    }
    if ns.metadata_file.as_deref() == Some("") {
        return Err("argument --metadata-file: expected a file path, not ''".to_owned());
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
        in_registry: ns.in_registry,
        git_tag_version: ns.git_tag_version,
        only_forward: ns.only_forward,
        force: ns.force,
        metadata_file: ns.metadata_file,
        with_referrers: ns.with_referrers,
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
    fn dcd_options() {
        let inv = invocation(&[
            "--in-registry",
            "--git-tag-version",
            "-S",
            "-L",
            "reg/app:x",
        ]);
        assert!(inv.in_registry && inv.git_tag_version);
        assert_eq!(inv.settings.version, None);
        let inv = invocation(&["--in", "--git", "-S", "reg/app:x"]);
        assert!(inv.in_registry && inv.git_tag_version);
        assert_eq!(
            error(&["--git-tag-version", "-V", "1", "img"]),
            "argument --git-tag-version: not allowed with argument -V/--version"
        );
        assert_eq!(
            error(&["--in-registry", "--executable", "docker", "img"]),
            "argument --executable: not allowed with argument --in-registry"
        );
        let inv = invocation(&[
            "--in-registry",
            "--only-forward",
            "--force",
            "--metadata-file",
            "out.json",
            "--with-referrers",
            "-V",
            "1.2.3",
            "reg/app:x",
        ]);
        assert!(inv.only_forward && inv.force && inv.with_referrers);
        assert_eq!(inv.metadata_file.as_deref(), Some("out.json"));
        let inv = invocation(&[
            "--in",
            "--only",
            "--f",
            "--meta=m.json",
            "--with",
            "-V1",
            "a",
        ]);
        assert!(inv.only_forward && inv.force && inv.with_referrers);
        assert_eq!(inv.metadata_file.as_deref(), Some("m.json"));
        assert_eq!(
            error(&["--only-forward", "img"]),
            "the --only-forward option requires --version"
        );
        assert_eq!(
            error(&["--with-referrers", "img"]),
            "the --with-referrers option requires --in-registry"
        );
        assert_eq!(
            error(&["--metadata-file", "", "img"]),
            "argument --metadata-file: expected a file path, not ''"
        );
        assert_eq!(
            error(&["--metadata-file", "--", "img"]),
            "argument --metadata-file: expected one argument"
        );
        // 0.3.0's abbreviations and ambiguities are unchanged.
        let inv = invocation(&["--reg", "r:1", "--dry", "img"]);
        assert_eq!(inv.settings.registry.as_deref(), Some("r:1"));
        assert!(!inv.in_registry);
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
}

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    /// Every long option string of the parser, hidden ones too.
    const LONG: [&str; 20] = [
        "--help",
        "--tag",
        "--version",
        "--version-latest",
        "--version-semver",
        "--semver-precision",
        "--semver-zero",
        "--registry",
        "--verbose",
        "--dry-run",
        "--executable",
        "--tag-version",
        "--tag-latest",
        "--tag-semver",
        "--in-registry",
        "--git-tag-version",
        "--only-forward",
        "--force",
        "--metadata-file",
        "--with-referrers",
    ];

    /// The short option strings.
    const SHORT: [&str; 9] = ["-h", "-t", "-V", "-L", "-S", "-P", "-Z", "-r", "-v"];

    /// The shortest prefix of `long` that no other long option starts with (`long` itself
    /// when there is none, as for `--tag`).
    fn shortest_unique(long: &str) -> usize {
        (3..long.len())
            .find(|&n| {
                let prefix = &long[..n];
                LONG.iter()
                    .all(|other| *other == long || !other.starts_with(prefix))
            })
            .unwrap_or(long.len())
    }

    /// One option of a well-formed command line, in its canonical (full, separate) form.
    #[derive(Debug, Clone)]
    enum Opt {
        /// A flag: long string, short letter.
        Flag(&'static str, Option<char>),
        /// An option with one value.
        Value(&'static str, Option<char>, String),
        /// `--tag` with its values.
        Tags(Vec<String>),
    }

    fn value() -> impl Strategy<Value = String> {
        "[a-z0-9][a-z0-9.:]{0,5}"
    }

    fn opt() -> impl Strategy<Value = Opt> {
        let flag = prop::sample::select(vec![
            ("--version-latest", Some('L')),
            ("--version-semver", Some('S')),
            ("--semver-zero", Some('Z')),
            ("--verbose", Some('v')),
            ("--dry-run", None),
            ("--tag-latest", None),
            ("--tag-semver", None),
            ("--in-registry", None),
            ("--git-tag-version", None),
            ("--force", None),
            ("--only-forward", None),
            ("--with-referrers", None),
        ])
        .prop_map(|(long, short)| Opt::Flag(long, short));
        let valued = prop::sample::select(vec![
            ("--version", Some('V')),
            ("--registry", Some('r')),
            ("--executable", None),
            ("--tag-version", None),
            ("--metadata-file", None),
        ]);
        prop_oneof![
            flag,
            (valued, value()).prop_map(|((long, short), value)| Opt::Value(long, short, value)),
            "[0-3]".prop_map(|p| Opt::Value("--semver-precision", Some('P'), p)),
            prop::collection::vec(value(), 1..3).prop_map(Opt::Tags),
        ]
    }

    /// How one option is written: a style number (short, long, abbreviated, `=` or attached,
    /// where the option allows it), an abbreviation length, and whether a short flag is
    /// combined with the next short option (`-S -L` as `-SL`).
    type Style = (u8, usize, bool);

    fn abbreviate(long: &str, length: usize) -> String {
        let min = shortest_unique(long);
        long[..min + length % (long.len() - min + 1)].to_owned()
    }

    /// The arguments of one option written in `style`; the first is the option string.
    fn write(opt: &Opt, (style, length, _): Style) -> Vec<String> {
        match opt {
            Opt::Flag(long, short) => match (style % 3, short) {
                (0, Some(short)) => vec![format!("-{short}")],
                (1, _) => vec![abbreviate(long, length)],
                _ => vec![(*long).to_owned()],
            },
            Opt::Value(long, short, value) => match (style % 5, short) {
                (0, Some(short)) => vec![format!("-{short}"), value.clone()],
                (1, Some(short)) => vec![format!("-{short}{value}")],
                (2, _) => vec![format!("{}={value}", abbreviate(long, length))],
                (3, _) => vec![abbreviate(long, length), value.clone()],
                _ => vec![(*long).to_owned(), value.clone()],
            },
            Opt::Tags(values) => {
                let option = if style % 2 == 0 { "-t" } else { "--tag" };
                std::iter::once(option.to_owned())
                    .chain(values.iter().cloned())
                    .collect()
            }
        }
    }

    /// The arguments: images first, then the options, short flags combined into the next
    /// short option where `styles` says so.
    fn command_line(images: &[String], opts: &[Opt], styles: Option<&[Style]>) -> Vec<String> {
        let mut args = images.to_vec();
        let mut combined = String::new();
        for (i, opt) in opts.iter().enumerate() {
            let style = styles.map_or((4, 0, false), |styles| styles[i % styles.len()]);
            let mut written = write(opt, style);
            let short =
                |arg: &str| arg.len() >= 2 && arg.starts_with('-') && !arg.starts_with("--");
            if !combined.is_empty() && short(&written[0]) {
                written[0] = format!("-{combined}{}", &written[0][1..]);
                combined.clear();
            } else if !combined.is_empty() {
                args.push(format!("-{combined}"));
                combined.clear();
            }
            let (_, _, combine) = style;
            if combine
                && matches!(opt, Opt::Flag(_, Some(_)))
                && written[0].len() == 2
                && short(&written[0])
            {
                combined.push_str(&written[0][1..]);
                continue;
            }
            args.extend(written);
        }
        if !combined.is_empty() {
            args.push(format!("-{combined}"));
        }
        args
    }

    fn outcome(args: &[String]) -> String {
        format!("{:?}", parse("dcd", args))
    }

    /// Arguments from the option vocabulary, odd option-like words and any text.
    fn any_arg() -> impl Strategy<Value = String> {
        let vocabulary: Vec<String> = LONG
            .iter()
            .chain(SHORT.iter())
            .map(|s| (*s).to_owned())
            .chain(
                [
                    "--",
                    "-",
                    "-1",
                    "-1x",
                    "-.5",
                    "img",
                    "img:1.2.3",
                    "a b",
                    "",
                    "-SLZ",
                    "-SV1.2.3",
                    "-Sx",
                    "-ta",
                    "--tag=x",
                    "--ver",
                    "--reg",
                    "--t",
                    "--=",
                    "-=",
                    "-P-1",
                    "-Pabc",
                    "-é",
                    "--ta=",
                    "1.2.3",
                ]
                .map(str::to_owned),
            )
            .collect();
        prop_oneof![
            prop::sample::select(vocabulary),
            "\\PC{0,6}",
            "-\\PC{0,4}",
            "--[a-z=-]{0,8}",
        ]
    }

    proptest! {
        /// Any arguments: a result, never a panic; a malformed command line is a usage error
        /// (exit status 2) with a message.
        #[test]
        fn parse_any_arguments(args in prop::collection::vec(any_arg(), 0..8)) {
            match parse("dcd", &args) {
                Ok(Parsed::Help(text)) => prop_assert!(text.starts_with("usage: dcd ")),
                Ok(Parsed::Run { result: Ok(invocation), .. }) => {
                    prop_assert!(!invocation.settings.images.is_empty());
                }
                Err(err) | Ok(Parsed::Run { result: Err(err), .. }) => {
                    prop_assert_eq!(err.process_exit_code(), 2);
                    prop_assert!(!err.to_string().is_empty());
                }
            }
        }

        /// A well-formed command line means the same however its options are written: short
        /// or long, abbreviated to any unique prefix, `--opt=value` or `-Xvalue`, short flags
        /// combined (`-SLV1.2.3`).
        #[test]
        fn parse_every_spelling_alike(
            images in prop::collection::vec("[a-z][a-z0-9]{0,4}", 1..3),
            opts in prop::collection::vec(opt(), 0..7),
            styles in prop::collection::vec(any::<Style>(), 1..8),
        ) {
            let canonical = command_line(&images, &opts, None);
            let written = command_line(&images, &opts, Some(&styles));
            prop_assert_eq!(outcome(&written), outcome(&canonical), "{:?} vs {:?}", written, canonical);
        }

        /// The options of a well-formed command line end up in the invocation as given (the
        /// last of a repeated one wins, tags are gathered in order).
        #[test]
        fn parse_values_into_the_invocation(
            images in prop::collection::vec("[a-z][a-z0-9]{0,4}", 1..3),
            version in value(),
            registry in value(),
            tags in prop::collection::vec(prop::collection::vec(value(), 1..3), 0..3),
        ) {
            let mut opts = vec![
                Opt::Value("--version", Some('V'), version.clone()),
                Opt::Value("--registry", Some('r'), registry.clone()),
            ];
            opts.extend(tags.iter().cloned().map(Opt::Tags));
            let args = command_line(&images, &opts, None);
            let Ok(Parsed::Run { result: Ok(invocation), deprecations }) = parse("dcd", &args) else {
                return Err(TestCaseError::fail(format!("{args:?} did not parse")));
            };
            prop_assert!(deprecations.is_empty());
            let expected_tags = (!tags.is_empty()).then(|| tags.concat());
            prop_assert_eq!(invocation.settings, Settings {
                images,
                tags: expected_tags,
                version: Some(version),
                registry: Some(registry),
                ..Settings::default()
            });
        }
    }
}
