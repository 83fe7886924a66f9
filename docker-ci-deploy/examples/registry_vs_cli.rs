//! Benchmark: four tags (`1.2.3`, `1.2`, `1`, `latest`) of a ~100 MB image, made by
//! `dcd --in-registry` (manifest copies in the registry) and by dcd's CLI mode (`docker tag` +
//! `docker push`), against Debian's `docker-registry` on 127.0.0.1 (the engine accepts plain
//! HTTP there). Not a test: it prints the times and their ratio.
//!
//! ```text
//! cargo build --release -p docker-ci-deploy --bins
//! cargo run --release -p docker-ci-deploy --example registry_vs_cli
//! ```
//!
//! Needs a Docker engine and `/usr/bin/docker-registry` (or `DCD_DOCKER_REGISTRY`). Both modes
//! start from the same place a CI pipeline does after `docker buildx build --push`: the image
//! is already in the registry (pushed once, untimed). The CLI mode is also timed against an
//! empty registry ("cold"), where its first push uploads the layer. Each mode runs 3 times;
//! the median is reported. Everything it creates (images, registries, files) is removed.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SIZE: usize = 100 * 1024 * 1024;
const RUNS: usize = 3;

struct Registry {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Registry {
    fn start(label: &str) -> Registry {
        let dir = std::env::temp_dir().join(format!("dcd-bench-{label}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                dir.join("storage").display()
            ),
        )
        .expect("the registry config");
        let binary = std::env::var("DCD_DOCKER_REGISTRY")
            .unwrap_or_else(|_| "/usr/bin/docker-registry".to_owned());
        // prerequisite: docker-registry
        let child = Command::new(binary)
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("docker-registry starts");
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(20));
        }
        Registry { child, port, dir }
    }

    fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Image tags to remove at the end.
struct Cleanup(Vec<String>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for tag in &self.0 {
            let _ = Command::new("docker")
                .args(["rmi", "--force", tag])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn run(program: &Path, args: &[&str]) {
    // prerequisite: none (dcd, or the docker CLI: given)
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the command runs");
    assert!(
        output.status.success(),
        "{} {args:?} failed:\n{}{}",
        program.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn timed(program: &Path, args: &[&str]) -> Duration {
    let start = Instant::now();
    run(program, args);
    start.elapsed()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// Incompressible bytes (docker push gzips layers), from a xorshift generator.
fn noise(size: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(size);
    while out.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(size);
    out
}

fn main() {
    let exe = std::env::current_exe().expect("the example's path");
    let dcd = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("dcd"))
        .filter(|path| path.exists())
        .expect("build dcd first: cargo build --release -p docker-ci-deploy --bins");
    let docker = PathBuf::from("docker");
    let name = format!("dcd-bench-{}", std::process::id());
    let registry = Registry::start("warm");
    let address = registry.address();
    let mut cleanup = Cleanup(vec![format!("{name}:latest")]);

    // A ~100 MB one-layer image, imported (nothing is pulled).
    let dir = std::env::temp_dir().join(format!("dcd-bench-image-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("the image directory");
    std::fs::write(dir.join("data.bin"), noise(SIZE)).expect("the data file");
    run(
        Path::new("tar"),
        &[
            "-cf",
            &dir.join("image.tar").to_string_lossy(),
            "-C",
            &dir.to_string_lossy(),
            "data.bin",
        ],
    );
    run(
        &docker,
        &[
            "import",
            &dir.join("image.tar").to_string_lossy(),
            &format!("{name}:latest"),
        ],
    );
    let _ = std::fs::remove_dir_all(&dir);

    // The image is in the registry already, as buildx --push leaves it.
    let source = format!("{address}/{name}:sha-abc123");
    cleanup.0.push(source.clone());
    run(&docker, &["tag", &format!("{name}:latest"), &source]);
    run(&docker, &["push", &source]);
    for tag in ["1.2.3", "1.2", "1", "latest"] {
        cleanup.0.push(format!("{address}/{name}:{tag}"));
    }
    let tags = ["-V", "1.2.3", "-S", "-L", "-t", "latest"];

    let mut registry_mode = Vec::new();
    let mut cli_warm = Vec::new();
    for _ in 0..RUNS {
        let mut args = vec!["--in-registry"];
        args.extend(tags);
        args.extend(["--", source.as_str()]);
        registry_mode.push(timed(&dcd, &args));
        let mut args: Vec<&str> = tags.to_vec();
        args.extend(["-r", address.as_str(), "--", &name]);
        cli_warm.push(timed(&dcd, &args));
    }

    // CLI mode into an empty registry: the first push uploads the layer.
    let mut cli_cold = Vec::new();
    for run_index in 0..RUNS {
        let empty = Registry::start(&format!("cold{run_index}"));
        let empty_address = empty.address();
        for tag in ["1.2.3", "1.2", "1", "latest"] {
            cleanup.0.push(format!("{empty_address}/{name}:{tag}"));
        }
        let mut args: Vec<&str> = tags.to_vec();
        args.extend(["-r", empty_address.as_str(), "--", &name]);
        cli_cold.push(timed(&dcd, &args));
    }

    let (remote, warm, cold) = (median(registry_mode), median(cli_warm), median(cli_cold));
    println!(
        "four tags of a {} MB image, median of {RUNS} runs:",
        SIZE / (1024 * 1024)
    );
    println!(
        "  registry mode (dcd --in-registry):            {:>8.3} s",
        remote.as_secs_f64()
    );
    println!(
        "  CLI mode, layers already in the registry:     {:>8.3} s",
        warm.as_secs_f64()
    );
    println!(
        "  CLI mode, empty registry:                     {:>8.3} s",
        cold.as_secs_f64()
    );
    println!(
        "  ratio CLI/registry mode: {:.1}x (layers present), {:.1}x (empty registry)",
        warm.as_secs_f64() / remote.as_secs_f64(),
        cold.as_secs_f64() / remote.as_secs_f64()
    );
}
