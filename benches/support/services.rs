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
    /// User time alone: the program's own work, without what the kernel
    /// does for it (zeroing pages, writing to the page cache).
    pub user: Option<Duration>,
    /// Peak resident memory in KiB, when `/usr/bin/time` can say.
    pub peak_kib: Option<u64>,
}

/// Runs `pipec ARGS --today 2026-11-22 --quiet`, which must succeed.
pub fn pipec(args: &[&str]) -> Run {
    pipec_to(args, None)
}

/// [`pipec`] with standard output written to `stdout` when given.
pub fn pipec_to(args: &[&str], stdout: Option<&Path>) -> Run {
    let mut command = timed(env!("CARGO_BIN_EXE_pipec"));
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
    parse_time(&String::from_utf8_lossy(&output.stderr), wall)
}

/// The median of `runs` samples of [`pipec_repeated`] (`times` runs
/// each): wall and CPU time per run, and the largest peak. One run on a
/// shared machine can be slowed by anything else it does; the median of a
/// few is what the command costs.
pub fn pipec_median(args: &[&str], stdout: Option<&Path>, runs: usize, times: usize) -> Run {
    median_of(runs, || pipec_repeated(args, stdout, times))
}

/// The median of `runs` samples of [`repeated`] running `program ARGS`
/// (`cat FILE`, say: the floor a command's output is measured against).
pub fn command_median(
    program: &str,
    args: &[&str],
    stdout: Option<&Path>,
    runs: usize,
    times: usize,
) -> Run {
    median_of(runs, || repeated(program, args, stdout, times))
}

/// The medians of `runs` samples' wall, CPU and user times, and the
/// largest peak.
fn median_of(runs: usize, mut sample: impl FnMut() -> Run) -> Run {
    let samples: Vec<Run> = (0..runs.max(1)).map(|_| sample()).collect();
    let median = |mut values: Vec<Duration>| {
        values.sort();
        values[values.len() / 2]
    };
    let cpus: Option<Vec<Duration>> = samples.iter().map(|run| run.cpu).collect();
    let users: Option<Vec<Duration>> = samples.iter().map(|run| run.user).collect();
    Run {
        wall: median(samples.iter().map(|run| run.wall).collect()),
        cpu: cpus.map(median),
        user: users.map(median),
        peak_kib: samples.iter().filter_map(|run| run.peak_kib).max(),
    }
}

/// `times` runs of `pipec ARGS --today 2026-11-22 --quiet` one after
/// another (standard output to `stdout`, else discarded), their cost
/// divided by `times`: a command of a few milliseconds is measured over
/// many runs, since `/usr/bin/time` gives CPU time in hundredths of a
/// second.
pub fn pipec_repeated(args: &[&str], stdout: Option<&Path>, times: usize) -> Run {
    let mut args = args.to_vec();
    args.extend(["--today", "2026-11-22", "--quiet"]);
    repeated(env!("CARGO_BIN_EXE_pipec"), &args, stdout, times)
}

/// `times` runs of `program ARGS`, as [`pipec_repeated`] runs `pipec`.
/// The runs are children of one shell, whose CPU time includes theirs.
fn repeated(program: &str, args: &[&str], stdout: Option<&Path>, times: usize) -> Run {
    let times = times.max(1);
    // Each run writes a file of its own (`FILE.1`, `FILE.2`, ...), the
    // last renamed to `stdout` and the others removed once the runs are
    // timed: a file truncated and rewritten is flushed when it is closed
    // (ext4's `auto_da_alloc`), and removing the one before takes the
    // system most of a second for 7.6 GB, costs of the benchmark's, not
    // the command's.
    let numbered = |run: usize| stdout.map(|path| format!("{}.{run}", path.display()));
    let mut line = format!("for i in $(seq {times}); do \"$0\"");
    for arg in args {
        line.push_str(&format!(" '{arg}'"));
    }
    match stdout {
        Some(path) => line.push_str(&format!(" >'{}'.$i", path.display())),
        None => line.push_str(" >/dev/null"),
    }
    line.push_str(" || exit 1; done");
    let mut command = timed("sh");
    command.arg("-c").arg(line).arg(program);
    let begun = Instant::now();
    let output = command.output().unwrap();
    let wall = begun.elapsed();
    assert!(output.status.success(), "{output:?}");
    if let Some(path) = stdout {
        for run in 1..times {
            std::fs::remove_file(numbered(run).unwrap()).unwrap();
        }
        std::fs::rename(numbered(times).unwrap(), path).unwrap();
    }
    let run = parse_time(&String::from_utf8_lossy(&output.stderr), wall);
    let each = |total: Duration| total / times as u32;
    Run {
        wall: each(run.wall),
        cpu: run.cpu.map(each),
        user: run.user.map(each),
        peak_kib: run.peak_kib,
    }
}

/// What `/usr/bin/time` is asked to write: the peak resident memory, then
/// user and system time.
const TIME_FORMAT: &str = "peak=%M cpu=%U+%S";

/// A command running `program` under `/usr/bin/time -f TIME_FORMAT` when
/// it is there, else `program` alone (then only wall time is known).
fn timed(program: &str) -> Command {
    let time = Path::new("/usr/bin/time");
    if time.is_file() {
        let mut command = Command::new(time);
        command.args(["-f", TIME_FORMAT, program]);
        command
    } else {
        Command::new(program)
    }
}

/// What `/usr/bin/time -f TIME_FORMAT` wrote to standard error, with the
/// wall time measured here.
fn parse_time(stderr: &str, wall: Duration) -> Run {
    let field = |name: &str| {
        stderr
            .split_whitespace()
            .find_map(|word| word.strip_prefix(name))
            .map(str::to_string)
    };
    let peak_kib = field("peak=").and_then(|value| value.parse().ok());
    let times = field("cpu=").and_then(|value| {
        let (user, system) = value.split_once('+')?;
        Some((user.parse::<f64>().ok()?, system.parse::<f64>().ok()?))
    });
    Run {
        wall,
        cpu: times.map(|(user, system)| Duration::from_secs_f64(user + system)),
        user: times.map(|(user, _)| Duration::from_secs_f64(user)),
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
