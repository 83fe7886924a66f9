//! A CST file with every test type but licenses, one test of each type failing on purpose:
//! the verdicts are CST's, each under CST's name, and each failure says what was expected and
//! what was found.

use seaworthy::structure::cst::{CstFile, Verdict};

use super::support::{scratch, SCRATCH};

const FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/structure/scratch.cst.yaml"
);

#[tokio::test]
async fn a_cst_file_runs_unchanged_with_cst_names_and_verdicts() {
    let (helper, _) = scratch().await;
    let file = CstFile::load(FILE).unwrap();
    let report = file.run(&helper, SCRATCH).await.unwrap();
    println!("{report}");
    let verdicts: Vec<(&str, Verdict)> = report
        .results
        .iter()
        .map(|r| (r.name.as_str(), r.verdict))
        .collect();
    use Verdict::*;
    assert_eq!(
        verdicts,
        [
            ("Command Test: busybox runs as app", Pass),
            ("Command Test: env reaches the command", Pass),
            ("Command Test: setup runs first", Pass),
            ("Command Test: args see the image env", Pass),
            ("Command Test: FAILS: wrong exit code and output", Fail),
            ("File Content Test: app.conf", Pass),
            (
                "File Content Test: passwd through the env symlink's sibling",
                Pass
            ),
            ("File Content Test: FAILS: content", Fail),
            ("File Existence Test: busybox", Pass),
            ("File Existence Test: no shell", Pass),
            ("File Existence Test: conf dir", Pass),
            ("File Existence Test: data from the env", Pass),
            ("File Existence Test: FAILS: existence", Fail),
            ("License Test", Unsupported),
            ("Metadata Test", Fail),
        ],
        "{report}"
    );
    let errors = |name: &str| report.result(name).unwrap().errors.clone();
    assert_eq!(
        errors("Command Test: FAILS: wrong exit code and output"),
        [
            r#"command `FAILS: wrong exit code and output`: stdout: expected a match of regex `anything`, found """#,
            r#"command `FAILS: wrong exit code and output`: stderr: expected no match of regex `No such file`, found "ls: /nope: No such file or directory\n""#,
            "command `FAILS: wrong exit code and output`: exit code: expected 0, found 1",
        ]
    );
    assert_eq!(
        errors("File Content Test: FAILS: content"),
        [
            r#"file `/app/conf/app.conf`: content: expected a match of regex `mode=development`, found "greeting=hello\nmode=production\nport=8080\n""#,
            r#"file `/app/conf/app.conf`: content: expected no match of regex `greeting`, found one on line 1: "greeting=hello""#,
        ]
    );
    assert_eq!(
        errors("File Existence Test: FAILS: existence"),
        [
            "file `/app/conf/app.conf`: permissions: expected `-rwxrwxrwx`, found `-rw-r-----`",
            "file `/app/conf/app.conf`: execute permission: expected executable by its owner, found mode -rw-r-----, owner uid 1000, gid 1000",
            "file `/app/conf/app.conf`: group: expected gid 0, found gid 1000",
        ]
    );
    assert_eq!(
        errors("Metadata Test"),
        ["user: expected `root`, found `app`"]
    );
    assert!(errors("License Test")[0].starts_with("seaworthy does not run licenseTests"));
    assert_eq!(
        (
            report.count(Pass),
            report.count(Fail),
            report.count(Unsupported)
        ),
        (10, 4, 1)
    );

    let err = report.assert_passed().unwrap_err().to_string();
    assert!(
        err.starts_with(&format!("image `{SCRATCH}` failed 5 structure checks:")),
        "{err}"
    );
    assert!(
        err.contains("  - Metadata Test (")
            && err.contains("): user: expected `root`, found `app`"),
        "{err}"
    );
    let err = report
        .assert_passed_ignoring_unsupported()
        .unwrap_err()
        .to_string();
    assert!(err.contains("failed 4 structure checks"), "{err}");
    assert_eq!(helper.tracked_count(), 0);
    helper.teardown().await.unwrap();
}

#[tokio::test]
async fn cst_metadata_semantics_ports_by_number_and_passing_metadata() {
    let (helper, _) = scratch().await;
    let file = CstFile::from_yaml(
        "inline.yaml",
        r#"
schemaVersion: "2.0.0"
metadataTest:
  user: app
  exposedPorts: ["8080", "9090"]
  entrypoint: [/bin/busybox]
  labels:
    - key: org.opencontainers.image.version
      value: '^1\.'
      isRegex: true
"#,
    )
    .unwrap();
    file.run(&helper, SCRATCH)
        .await
        .unwrap()
        .assert_passed()
        .unwrap();
    // CST compares exposed ports by number: `8080/tcp` is never found, as with CST.
    let by_proto = CstFile::from_yaml(
        "inline.yaml",
        "schemaVersion: 2.0.0\nmetadataTest:\n  exposedPorts: [8080/tcp]\n",
    )
    .unwrap();
    let report = by_proto.run(&helper, SCRATCH).await.unwrap();
    assert_eq!(
        report.result("Metadata Test").unwrap().verdict,
        Verdict::Fail,
        "{report}"
    );
    // An invalid test is a failed result with CST's message, not a crash.
    let unnamed = CstFile::from_yaml(
        "inline.yaml",
        "schemaVersion: 2.0.0\nfileExistenceTests:\n  - path: /bin/busybox\n",
    )
    .unwrap();
    let report = unnamed.run(&helper, SCRATCH).await.unwrap();
    assert_eq!(
        report.results[0].errors,
        ["Please provide a valid name for every test"]
    );
    helper.teardown().await.unwrap();
}

#[test]
fn unknown_keys_name_the_key_and_line() {
    let e = CstFile::from_yaml("bad.yaml", "schemaVersion: 2.0.0\ncommandTests:\n  - name: x\n    command: ls\n    expectedOuput: [a]\n")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("failed to read CST file `bad.yaml`: "), "{e}");
    assert!(e.contains("expectedOuput") && e.contains("line 5"), "{e}");
}
