//! A workspace of service pipelines on disk, and the release `pipec` run
//! on it: what the process-level benchmarks share.

// Each benchmark that includes this file uses part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Writes the sample's org → team → service chain with `count` services
/// like `orders_api` under `root` (replacing what is there), and returns
/// the services' files. Every service has the sample's 126 steps over the
/// 34 commercial regions.
pub fn workspace(root: &Path, count: usize) -> Vec<PathBuf> {
    let _ = std::fs::remove_dir_all(root);
    std::fs::create_dir_all(root.join("team")).unwrap();
    std::fs::create_dir_all(root.join("services")).unwrap();
    std::fs::write(root.join("pipec.toml"), "").unwrap();
    std::fs::copy("examples/sample/org.pipe", root.join("org.pipe")).unwrap();
    std::fs::copy(
        "examples/sample/team/service.pipe",
        root.join("team/service.pipe"),
    )
    .unwrap();
    let service = std::fs::read_to_string("examples/sample/services/orders_api.pipe").unwrap();
    (0..count)
        .map(|idx| {
            let path = root.join(format!("services/service_{idx:06}.pipe"));
            let text = service
                .replace("pipeline orders_api", &format!("pipeline service_{idx:06}"))
                .replace("orders-api", &format!("service-{idx:06}"))
                .replace("OrdersApi_", &format!("Service{idx:06}_"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// One run of the `pipec` binary.
pub struct Run {
    /// Wall-clock time.
    pub wall: Duration,
    /// User plus system time, when `/usr/bin/time` can say.
    pub cpu: Option<Duration>,
    /// Peak resident memory in KiB, when `/usr/bin/time` can say.
    pub peak_kib: Option<u64>,
}

/// Runs `pipec ARGS --today 2026-11-22 --quiet`, which must succeed.
pub fn pipec(args: &[&str]) -> Run {
    pipec_to(args, None)
}

/// [`pipec`] with standard output written to `stdout` when given.
pub fn pipec_to(args: &[&str], stdout: Option<&Path>) -> Run {
    let time = Path::new("/usr/bin/time");
    let mut command = if time.is_file() {
        let mut command = Command::new(time);
        command
            .args(["-f", "peak=%M cpu=%U+%S"])
            .arg(env!("CARGO_BIN_EXE_pipec"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_pipec"))
    };
    if let Some(path) = stdout {
        command.stdout(std::fs::File::create(path).unwrap());
    }
    let begun = Instant::now();
    let output = command
        .args(args)
        .args(["--today", "2026-11-22", "--quiet"])
        .output()
        .unwrap();
    let wall = begun.elapsed();
    assert!(output.status.success(), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let field = |name: &str| {
        stderr
            .split_whitespace()
            .find_map(|word| word.strip_prefix(name))
            .map(str::to_string)
    };
    let peak_kib = field("peak=").and_then(|value| value.parse().ok());
    let cpu = field("cpu=").and_then(|value| {
        let (user, system) = value.split_once('+')?;
        let seconds = user.parse::<f64>().ok()? + system.parse::<f64>().ok()?;
        Some(Duration::from_secs_f64(seconds))
    });
    Run {
        wall,
        cpu,
        peak_kib,
    }
}

/// A peak in MiB, or `?`.
pub fn mib(peak_kib: Option<u64>) -> String {
    peak_kib.map_or_else(|| "?".to_string(), |kib| format!("{}", kib / 1024))
}

/// The file system as a loader, for compiling in the benchmark's process.
pub struct FsLoader;

impl pipec::loader::Loader for FsLoader {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn canonicalize(&self, path: &Path) -> std::io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }
}
