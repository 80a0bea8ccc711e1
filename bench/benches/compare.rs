//! The comparison table: every case on every framework, the toolkit's layer against the
//! framework's incumbent, in one run; then the origin-count flatness check and the
//! end-to-end throughput over HTTP on loopback (with `wrk`, when installed).
//!
//! ```text
//! cargo bench -p cors-bench --bench compare                 # the full run (a few minutes)
//! cargo bench -p cors-bench --bench compare -- --quick      # a quick, noisier run
//!     [--no-e2e] [--instructions | --no-instructions] [--cases a,b] [--frameworks axum,warp] [--out FILE]
//! ```
//!
//! Timing: each case's four applications (without CORS, ours, the incumbent, the floor) are
//! timed in interleaved batches (`cors_bench::interleave`); "added" is the median over rounds of
//! the difference to the `without` batch of the same round. The floor (`cors_bench::floor`) is
//! the least any correct CORS layer must do for the case: where it alone adds more than a third
//! of what the incumbent adds, the "ours ≤ 1/3 of the incumbent" target is out of reach for any
//! implementation, and the table says "unreachable". Allocations: a counting global
//! allocator (`cors_conformance::CountingAllocator`) counts one batch of each, after a warm-up.
//! The table is printed and written as Markdown to `target/cors-bench/compare.md`.
//!
//! End to end: each framework's server (`cors_bench::server`) runs three times, without a
//! layer, with ours and with the floor (`cors_bench::server::Mode::Floor`: the same four header
//! lines as constants on every response), under `wrk` in rotating order; where the floor itself
//! keeps less than 97% of the throughput without a layer, the 97% target is out of reach for
//! any layer, and the table says "unreachable". With instruction counts on (not with `--quick`
//! or `--no-instructions`), each server's instructions per request under callgrind too, and
//! from them and the server's user-space share of its CPU time, an estimate of the throughput
//! kept that does not move with the machine's noise as the CPU times do.

use cors_bench::server::{Client, Mode};
use cors_bench::{
    allocations, interleave, measure, median, paired_median, Answer, Case, Framework, Plan, Timing, Variant,
};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[global_allocator]
static GLOBAL: cors_conformance::CountingAllocator = cors_conformance::CountingAllocator;

struct Options {
    quick: bool,
    e2e: bool,
    instructions: bool,
    cases: Option<Vec<String>>,
    frameworks: Vec<Framework>,
    out: String,
}

fn options() -> Options {
    let mut options = Options {
        quick: false,
        e2e: true,
        instructions: true,
        cases: None,
        frameworks: Framework::ALL.to_vec(),
        out: concat!(env!("CARGO_MANIFEST_DIR"), "/../target/cors-bench/compare.md").to_owned(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => {
                options.quick = true;
                options.instructions = false;
            }
            "--instructions" => options.instructions = true,
            "--no-instructions" => options.instructions = false,
            "--no-e2e" => options.e2e = false,
            "--cases" => options.cases = args.next().map(|s| s.split(',').map(str::to_owned).collect()),
            "--frameworks" => {
                options.frameworks = args
                    .next()
                    .unwrap_or_default()
                    .split(',')
                    .map(|f| Framework::from_name(f).unwrap_or_else(|| panic!("unknown framework {f}")))
                    .collect();
            }
            "--out" => options.out = args.next().expect("--out FILE"),
            // What `cargo bench` passes to every bench target.
            "--bench" => {}
            other => eprintln!("ignoring argument {other:?}"),
        }
    }
    options
}

fn count(f: &mut dyn FnMut()) -> usize {
    cors_conformance::count(f).1
}

/// What ours, the incumbent and the floor add to `without`, by one measure (time or
/// instructions).
#[derive(Clone, Copy, Debug)]
struct Added {
    ours: f64,
    incumbent: f64,
    floor: f64,
}

impl Added {
    /// The most ours may add: a third of what the incumbent adds (no more than the incumbent,
    /// when the incumbent's own answer is cheaper than the app's).
    fn bound(&self) -> f64 {
        if self.incumbent > 0.0 {
            self.incumbent / 3.0
        } else {
            self.incumbent
        }
    }

    /// Target: ours adds at most [`Added::bound`].
    fn met(&self) -> bool {
        self.ours <= self.bound()
    }

    /// Whether the floor itself adds more than the bound: no implementation meets the target.
    fn unreachable(&self) -> bool {
        self.floor > self.bound()
    }

    /// Ours over the incumbent, when both add something.
    fn ratio(&self) -> String {
        if self.ours <= 0.0 {
            "ours adds nothing".into()
        } else if self.incumbent <= 0.0 {
            "incumbent adds nothing".into()
        } else {
            format!("{:.3}", self.ours / self.incumbent)
        }
    }

    /// The floor over the incumbent, marked when above the bound.
    fn floor_ratio(&self) -> String {
        let ratio = if self.floor <= 0.0 {
            "floor adds nothing".into()
        } else if self.incumbent <= 0.0 {
            "incumbent adds nothing".into()
        } else {
            format!("{:.3}", self.floor / self.incumbent)
        };
        if self.unreachable() {
            format!("{ratio} **unreachable**")
        } else {
            ratio
        }
    }

    /// Ours over the floor (how close ours is to the least possible), when both add something;
    /// otherwise (a preflight the floor answers for less than the application's own 404 or 405)
    /// the difference.
    fn over_floor(&self) -> String {
        if self.ours > 0.0 && self.floor > 0.0 {
            format!("{:.2}", self.ours / self.floor)
        } else {
            format!("ours − floor: {:+.0}", self.ours - self.floor)
        }
    }

    fn verdict(&self) -> &'static str {
        if self.met() {
            "yes"
        } else {
            "**no**"
        }
    }
}

/// The summary under a table: rows met, and of the rows missed, those the floor cannot meet
/// (`detailed`: with the rows' names).
fn summary(measure: &str, rows: &[(String, Added)], detailed: bool) -> String {
    let missed: Vec<&(String, Added)> = rows.iter().filter(|(_, a)| !a.met()).collect();
    let mut line = format!(
        "Target (ours ≤ 1/3 of the incumbent's added {measure}): {} of {} rows met",
        rows.len() - missed.len(),
        rows.len()
    );
    if missed.is_empty() {
        line.push('.');
        return line;
    }
    let (unreachable, reachable): (Vec<_>, Vec<_>) = missed.iter().partition(|(_, a)| a.unreachable());
    write!(
        line,
        "; of the {} missed, {} unreachable (the floor alone adds more than the target allows)",
        missed.len(),
        unreachable.len(),
    )
    .ok();
    if detailed {
        let names = |rows: &[&&(String, Added)]| {
            rows.iter()
                .map(|(name, _)| name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !unreachable.is_empty() {
            write!(line, ": {}", names(&unreachable)).ok();
        }
        if !reachable.is_empty() {
            write!(line, "; missed within reach of the floor: {}", names(&reachable)).ok();
        }
    }
    line.push('.');
    line
}

struct Row {
    case: &'static str,
    framework: Framework,
    timing: Timing,
    allocs: [f64; 4],
    answers: [Answer; 4],
    /// Instructions per request (callgrind), when measured.
    instructions: Option<[f64; 4]>,
}

impl Row {
    fn name(&self) -> String {
        format!("{}/{}", self.case, self.framework.name())
    }

    /// The time each variant adds.
    fn time(&self) -> Added {
        Added {
            ours: self.timing.added(Variant::Ours),
            incumbent: self.timing.added(Variant::Incumbent),
            floor: self.timing.added(Variant::Floor),
        }
    }

    /// The instructions each variant adds, when measured.
    fn instructions(&self) -> Option<Added> {
        let [without, ours, incumbent, floor] = self.instructions?;
        Some(Added {
            ours: ours - without,
            incumbent: incumbent - without,
            floor: floor - without,
        })
    }

    fn added_allocs(&self, variant: usize) -> f64 {
        self.allocs[variant] - self.allocs[0]
    }

    fn note(&self) -> String {
        let mut notes = vec![self.incumbent_note()];
        if self.answers[3] != self.answers[1] {
            notes.push("the floor answers unlike ours");
        }
        notes.retain(|n| !n.is_empty());
        notes.join("; ")
    }

    fn incumbent_note(&self) -> &'static str {
        match (self.case, self.framework) {
            ("wildcard_match", Framework::Warp) => {
                "warp::cors has no predicate: incumbent runs allow_any_origin"
            }
            ("wildcard_match", Framework::Axum) => "incumbent: AllowOrigin::predicate",
            ("wildcard_match", Framework::Actix) => "incumbent: allowed_origin_fn",
            ("wildcard_match", Framework::Rocket) => "incumbent: AllowedOrigins::some_regex",
            ("looked_up_cached", _) => "ours: a cache hit of looked-up origins; incumbent: the origin listed",
            ("looked_up_cold", _) => "ours: the origin looked up in an in-process source, nothing cached; incumbent: the origin listed",
            ("after_swap", _) => "ours: a live policy swapped before each request (every variant makes the swap); incumbent: fixed",
            _ => "",
        }
    }
}

fn fmt_ns(ns: f64) -> String {
    if ns.abs() >= 10_000.0 {
        format!("{:.1} µs", ns / 1000.0)
    } else {
        format!("{ns:.0}")
    }
}

fn fmt_allocs(n: f64) -> String {
    if n.fract() == 0.0 {
        format!("{n:+.0}")
    } else {
        format!("{n:+.2}")
    }
}

fn machine() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    format!("{cpus} CPUs ({model})")
}

fn in_process(options: &Options, plan: Plan, report: &mut String) -> Vec<Row> {
    let cases: Vec<Case> = Case::all()
        .into_iter()
        .filter(|c| {
            options
                .cases
                .as_ref()
                .is_none_or(|names| names.iter().any(|n| n == c.name))
        })
        .collect();
    let mut rows = Vec::new();
    for case in &cases {
        for &framework in &options.frameworks {
            let started = Instant::now();
            let mut harness = framework.harness(case);
            let answers = Variant::ALL.map(|v| harness.answer(v));
            let timing = measure(harness.as_mut(), &Variant::ALL, plan);
            let allocs = Variant::ALL.map(|v| allocations(harness.as_mut(), v, &count));
            drop(harness);
            let instructions = options
                .instructions
                .then(|| Variant::ALL.map(|v| instructions(framework, case.name, v)))
                .and_then(|counts| {
                    counts
                        .iter()
                        .all(Option::is_some)
                        .then(|| counts.map(Option::unwrap_or_default))
                });
            let row = Row {
                case: case.name,
                framework,
                timing,
                allocs,
                answers,
                instructions,
            };
            let added = row.time();
            eprintln!(
                "{:<27} {:<9} without {:>9} ns, ours {:>+7.0} ns, incumbent {:>+7.0} ns, floor {:>+7.0} ns, \
                 allocs {}/{}/{} ({:.1}s)",
                row.case,
                framework.name(),
                fmt_ns(row.timing.ns(Variant::Without)),
                added.ours,
                added.incumbent,
                added.floor,
                fmt_allocs(row.added_allocs(1)),
                fmt_allocs(row.added_allocs(2)),
                fmt_allocs(row.added_allocs(3)),
                started.elapsed().as_secs_f64()
            );
            rows.push(row);
        }
    }
    writeln!(
        report,
        "| case | framework | without (ns/req) | ours: added ns | incumbent: added ns | floor: added ns | ratio of added time | ≤ 1/3 | floor / incumbent | ours / floor | added allocations: ours / incumbent / floor | answers: without / ours / incumbent / floor | note |"
    )
    .ok();
    writeln!(
        report,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | :---: | --- | --- |"
    )
    .ok();
    for row in &rows {
        let added = row.time();
        writeln!(
            report,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} / {} / {} | {} / {} / {} / {} | {} |",
            row.case,
            row.framework.name(),
            fmt_ns(row.timing.ns(Variant::Without)),
            fmt_ns(added.ours),
            fmt_ns(added.incumbent),
            fmt_ns(added.floor),
            added.ratio(),
            added.verdict(),
            added.floor_ratio(),
            added.over_floor(),
            fmt_allocs(row.added_allocs(1)),
            fmt_allocs(row.added_allocs(2)),
            fmt_allocs(row.added_allocs(3)),
            row.answers[0],
            row.answers[1],
            row.answers[2],
            row.answers[3],
            row.note(),
        )
        .ok();
    }
    let times: Vec<(String, Added)> = rows.iter().map(|r| (r.name(), r.time())).collect();
    writeln!(report, "\n{}", summary("time", &times, true)).ok();
    if rows.iter().any(|r| r.instructions.is_some()) {
        writeln!(
            report,
            "\nThe same rows in instructions per request (valgrind callgrind; unlike the times above \
             on a shared machine, repeatable from run to run within a few instructions for most rows. \
             Not for all: with a 1 KiB request header (`preflight_adversarial_acrh`), glibc's malloc \
             takes one of two paths from run to run of the same binary, in warp by up to about 450 \
             instructions per request for any variant; Rocket's preflight rows move between modes \
             about 200 apart, by up to 400 in all):\n"
        )
        .ok();
        writeln!(
            report,
            "| case | framework | without (instr/req) | ours: added | incumbent: added | floor: added | ratio | ≤ 1/3 | floor / incumbent | ours / floor |"
        )
        .ok();
        writeln!(
            report,
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: |"
        )
        .ok();
        let mut counts = Vec::new();
        for row in &rows {
            let (Some([without, ..]), Some(added)) = (row.instructions, row.instructions()) else {
                continue;
            };
            writeln!(
                report,
                "| {} | {} | {without:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {} |",
                row.case,
                row.framework.name(),
                added.ours,
                added.incumbent,
                added.floor,
                added.ratio(),
                added.verdict(),
                added.floor_ratio(),
                added.over_floor(),
            )
            .ok();
            counts.push((row.name(), added));
        }
        writeln!(report, "\n{}", summary("instructions", &counts, true)).ok();
    }
    rows
}

/// Instructions per request of one variant: a callgrind run of this binary in `--run` mode
/// that counts only inside [`sending`], over 400 requests (setting up the application and
/// building the requests are not counted); `None` when valgrind is not installed or fails.
fn instructions(framework: Framework, case: &str, variant: Variant) -> Option<f64> {
    instructions_per(400, framework, case, variant)
}

/// [`instructions`] over `n` requests.
fn instructions_per(n: usize, framework: Framework, case: &str, variant: Variant) -> Option<f64> {
    let exe = std::env::current_exe().ok()?;
    let output = Command::new("valgrind")
        .args([
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            "--toggle-collect=*compare::sending*",
        ])
        .arg(&exe)
        .args(["--run", framework.name(), case, variant.name(), &n.to_string()])
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&output.stderr);
    let collected: f64 = text
        .lines()
        .find_map(|l| l.split("Collected : ").nth(1))
        .and_then(|v| v.trim().parse().ok())?;
    // Nothing counted means the function was not found: no figure rather than a zero.
    (collected > 0.0).then(|| collected / n as f64)
}

/// 100,000 exact origins against 3: the core's decision alone, and the time and the
/// instructions the axum layer adds to a whole request.
fn flatness(plan: Plan, report: &mut String) {
    use cors_core::adapter::http::HttpPolicy;
    use cors_core::adapter::Target;
    let [small, large] = Case::flatness();
    let built = Instant::now();
    let large_policy = large.policy();
    let build_time = built.elapsed();

    // The core: `HttpPolicy::step` on the request's header map (the origin lookup).
    let request: http::HeaderMap = small.http_headers().into_iter().collect();
    let cores = [HttpPolicy::new(small.policy()), HttpPolicy::new(large_policy)];
    let mut small_core = |n: usize| {
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(cores[0].step(
                &http::Method::GET,
                || Target::path(b"/"),
                std::hint::black_box(&request),
            ));
        }
        start.elapsed()
    };
    let mut large_core = |n: usize| {
        let start = Instant::now();
        for _ in 0..n {
            std::hint::black_box(cores[1].step(
                &http::Method::GET,
                || Target::path(b"/"),
                std::hint::black_box(&request),
            ));
        }
        start.elapsed()
    };
    let (_, core) = interleave(&mut [&mut small_core, &mut large_core], plan);
    let core_small = median(core[0].clone());
    let core_large = median(core[1].clone());

    // A whole axum request: the time the layer adds, 3 and 100,000 origins interleaved.
    let mut h3 = Framework::Axum.harness(&small);
    let mut h100k = Framework::Axum.harness(&large);
    let time = |h: &mut dyn cors_bench::Harness, v: Variant, n: usize| {
        let mut elapsed = Duration::ZERO;
        h.run(v, n, &mut |send| {
            let start = Instant::now();
            send();
            elapsed = start.elapsed();
        });
        elapsed
    };
    let (h3, h100k) = (
        std::cell::RefCell::new(h3.as_mut()),
        std::cell::RefCell::new(h100k.as_mut()),
    );
    let (_, axum) = interleave(
        &mut [
            &mut |n| time(*h3.borrow_mut(), Variant::Without, n),
            &mut |n| time(*h3.borrow_mut(), Variant::Ours, n),
            &mut |n| time(*h100k.borrow_mut(), Variant::Without, n),
            &mut |n| time(*h100k.borrow_mut(), Variant::Ours, n),
        ],
        plan,
    );
    let added_small = paired_median(&axum[1], &axum[0]);
    let added_large = paired_median(&axum[3], &axum[2]);

    let verdict = |r: f64| if r <= 1.1 { "yes" } else { "**no**" };
    writeln!(
        report,
        "| measure | 3 origins | 100,000 origins | ratio | ≤ 1.1 |"
    )
    .ok();
    writeln!(report, "| --- | ---: | ---: | ---: | :---: |").ok();
    writeln!(
        report,
        "| core decision (`HttpPolicy::step`, origin last in the list), ns | {core_small:.1} | {core_large:.1} | {:.3} | {} |",
        core_large / core_small,
        verdict(core_large / core_small)
    )
    .ok();
    writeln!(
        report,
        "| time the axum layer adds to a whole request, ns | {added_small:.0} | {added_large:.0} | {:.3} | {} |",
        added_large / added_small,
        verdict(added_large / added_small)
    )
    .ok();
    // Instructions do not see the cache misses a large table costs, which the times above
    // do; but they repeat from run to run, where the difference of two times on a shared
    // machine moves by more than the 10% this checks. Over 4,000 requests, not 400: building
    // the 100,000-entry table costs a little more or less in each process (the hasher's seed
    // is random), and over 400 requests that alone moved the figure by about 100.
    let added_instructions = |case: &Case| {
        let ours = instructions_per(4000, Framework::Axum, case.name, Variant::Ours)?;
        Some(ours - instructions_per(4000, Framework::Axum, case.name, Variant::Without)?)
    };
    if let (Some(small_i), Some(large_i)) = (added_instructions(&small), added_instructions(&large)) {
        writeln!(
            report,
            "| instructions the axum layer adds to a whole request (callgrind) | {small_i:.0} | {large_i:.0} | {:.3} | {} |",
            large_i / small_i,
            verdict(large_i / small_i)
        )
        .ok();
    }
    writeln!(
        report,
        "\nBuilding and validating the 100,000-origin policy took {:.0} ms.",
        build_time.as_secs_f64() * 1000.0
    )
    .ok();
    eprintln!("flatness: core {core_small:.1} vs {core_large:.1} ns, axum added {added_small:.0} vs {added_large:.0} ns");
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn start(framework: Framework, mode: Mode) -> Server {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = Command::new(env!("CARGO_BIN_EXE_cors-bench-server"))
        .args([framework.name(), mode.name(), &addr.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start cors-bench-server");
    let server = Server {
        child,
        url: format!("http://{addr}/api/items"),
    };
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(
            Instant::now() < deadline,
            "{} server ({}) did not start",
            framework.name(),
            mode.name()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

/// What the server process has used of the CPU so far, all threads.
#[derive(Clone, Copy, Default)]
struct CpuUse {
    /// Nanoseconds on a CPU (`/proc/PID/task/*/schedstat`).
    on_cpu_ns: u64,
    /// Clock ticks in user space and in the kernel (`utime` and `stime` of
    /// `/proc/PID/task/*/stat`).
    user_ticks: u64,
    system_ticks: u64,
}

fn cpu_use(pid: u32) -> CpuUse {
    let mut used = CpuUse::default();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return used;
    };
    for task in tasks.filter_map(Result::ok).map(|t| t.path()) {
        if let Some(ns) = std::fs::read_to_string(task.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()))
        {
            used.on_cpu_ns += ns;
        }
        // The fields after the command name, which is in parentheses and may hold spaces:
        // `utime` and `stime` are fields 14 and 15 of the line, 12th and 13th after it.
        if let Ok(stat) = std::fs::read_to_string(task.join("stat")) {
            let fields: Vec<u64> = stat
                .rsplit_once(')')
                .map(|(_, rest)| rest.split_whitespace().map(|f| f.parse().unwrap_or(0)).collect())
                .unwrap_or_default();
            used.user_ticks += fields.get(11).copied().unwrap_or(0);
            used.system_ticks += fields.get(12).copied().unwrap_or(0);
        }
    }
    used
}

/// One `wrk` run against `server`.
struct WrkRun {
    rps: f64,
    /// The server's CPU nanoseconds per request.
    cpu_ns: f64,
    /// The share of the server's CPU time spent in user space (the rest is the kernel's).
    user_share: f64,
}

fn wrk(server: &Server, seconds: u32) -> WrkRun {
    let before = cpu_use(server.child.id());
    let output = Command::new("wrk")
        .args(["-t1", "-c16", &format!("-d{seconds}s"), "-H"])
        .arg(format!("Origin: {}", cors_bench::server::DEMO_ORIGIN))
        .arg(&server.url)
        .stderr(Stdio::inherit())
        .output()
        .expect("run wrk");
    let after = cpu_use(server.child.id());
    let cpu = after.on_cpu_ns.saturating_sub(before.on_cpu_ns) as f64;
    let user = after.user_ticks.saturating_sub(before.user_ticks) as f64;
    let system = after.system_ticks.saturating_sub(before.system_ticks) as f64;
    let text = String::from_utf8_lossy(&output.stdout);
    let non_2xx = text.lines().any(|l| l.contains("Non-2xx"));
    assert!(!non_2xx, "wrk saw error responses from {}:\n{text}", server.url);
    let field = |prefix: &str| -> Option<f64> {
        BufReader::new(text.as_bytes())
            .lines()
            .map_while(Result::ok)
            .find_map(|l| {
                let l = l.trim_start();
                if prefix == "requests in" {
                    l.split_once(" requests in")
                        .and_then(|(n, _)| n.trim().parse().ok())
                } else {
                    l.strip_prefix(prefix).and_then(|v| v.trim().parse().ok())
                }
            })
    };
    let rps = field("Requests/sec:").unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"));
    let requests = field("requests in").unwrap_or(f64::NAN);
    WrkRun {
        rps,
        cpu_ns: cpu / requests,
        user_share: user / (user + system),
    }
}

/// The end-to-end target: the server keeps at least 97% of its throughput without a layer.
const KEPT_TARGET: f64 = 0.97;

/// One framework's end-to-end runs: per [`Mode`] (in [`Mode::ALL`] order), the requests per
/// second and the server's CPU nanoseconds per request of every round.
struct E2e {
    rps: [Vec<f64>; 3],
    cpu: [Vec<f64>; 3],
    /// The user-space share of the CPU time of the server without a layer, per round (see
    /// [`WrkRun`]): what the estimate of the throughput kept needs.
    user_share_without: Vec<f64>,
}

impl E2e {
    fn index(mode: Mode) -> usize {
        match mode {
            Mode::Without => 0,
            Mode::Ours => 1,
            Mode::Floor => 2,
        }
    }

    /// The median requests per second of `mode`.
    fn rps(&self, mode: Mode) -> f64 {
        median(self.rps[E2e::index(mode)].clone())
    }

    /// The median server CPU µs per request of `mode`.
    fn cpu_us(&self, mode: Mode) -> f64 {
        median(self.cpu[E2e::index(mode)].clone()) / 1000.0
    }

    /// The median over rounds of `mode`'s requests per second over `without`'s of the same
    /// round (each round pairs runs made seconds apart).
    fn kept_rps(&self, mode: Mode) -> f64 {
        let (without, with) = (&self.rps[0], &self.rps[E2e::index(mode)]);
        median(with.iter().zip(without).map(|(w, o)| w / o).collect())
    }

    /// `without`'s server CPU per request over `mode`'s, per round (the runs of a round are
    /// seconds apart).
    fn kept_cpu_rounds(&self, mode: Mode) -> Vec<f64> {
        let (without, with) = (&self.cpu[0], &self.cpu[E2e::index(mode)]);
        without.iter().zip(with).map(|(o, w)| o / w).collect()
    }

    /// The median over rounds of [`E2e::kept_cpu_rounds`]: the throughput kept when the
    /// server is CPU-bound.
    fn kept_cpu(&self, mode: Mode) -> f64 {
        median(self.kept_cpu_rounds(mode))
    }

    /// The median over rounds of the server CPU µs per request `mode` adds to `without`.
    fn added_cpu_us(&self, mode: Mode) -> f64 {
        paired_median(&self.cpu[E2e::index(mode)], &self.cpu[0]) / 1000.0
    }
}

/// Whether the target is within reach of any layer, by the floor's own kept figure (the
/// median, and the range over rounds), measured or estimated.
fn reachable(floor_kept: f64, rounds: &[f64]) -> String {
    let verdict = if floor_kept >= KEPT_TARGET {
        "reachable"
    } else {
        "**unreachable**"
    };
    let mut text = format!("{verdict}: the floor keeps {:.1}%", floor_kept * 100.0);
    let (low, high) = rounds
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &r| {
            (l.min(r), h.max(r))
        });
    if rounds.len() > 1 {
        write!(text, " (rounds {:.1}–{:.1}%)", low * 100.0, high * 100.0).ok();
    }
    text
}

fn yes_no(met: bool) -> &'static str {
    if met {
        "yes"
    } else {
        "**no**"
    }
}

fn end_to_end(options: &Options, report: &mut String) -> bool {
    if Command::new("wrk").arg("--version").output().is_err() {
        writeln!(
            report,
            "wrk is not installed (`apt-get install -y wrk`): end-to-end run skipped."
        )
        .ok();
        eprintln!("wrk not found: end-to-end run skipped");
        return false;
    }
    let (rounds, seconds) = if options.quick { (3, 1) } else { (9, 2) };
    writeln!(
        report,
        "| framework | without: req/s | with ours: req/s | floor: req/s | kept (req/s) | floor kept (req/s) | \
         without: server CPU µs/req | with ours: server CPU µs/req | floor: server CPU µs/req | \
         added CPU µs/req: ours / floor | kept (CPU) | floor kept (CPU) | ≥ 97% | 97% reachable |"
    )
    .ok();
    writeln!(
        report,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | --- |"
    )
    .ok();
    let mut counts = Vec::new();
    for &framework in &options.frameworks {
        let servers = Mode::ALL.map(|mode| start(framework, mode));
        // Warm-up: connections, caches, the allocator's pools.
        for server in &servers {
            wrk(server, 1);
        }
        let mut e2e = E2e {
            rps: Default::default(),
            cpu: Default::default(),
            user_share_without: Vec::new(),
        };
        for round in 0..rounds {
            // Each round runs every server once, in an order that rotates from round to round.
            for k in 0..servers.len() {
                let i = (k + round) % servers.len();
                let run = wrk(&servers[i], seconds);
                e2e.rps[i].push(run.rps);
                e2e.cpu[i].push(run.cpu_ns);
                if i == E2e::index(Mode::Without) {
                    e2e.user_share_without.push(run.user_share);
                }
            }
        }
        drop(servers);
        let rounded = |rps: &[f64]| rps.iter().map(|r| r.round()).collect::<Vec<_>>();
        eprintln!(
            "e2e {:<9} req/s without {:?}, with {:?}, floor {:?}; user share without {:?}",
            framework.name(),
            rounded(&e2e.rps[0]),
            rounded(&e2e.rps[1]),
            rounded(&e2e.rps[2]),
            e2e.user_share_without
                .iter()
                .map(|u| (u * 1000.0).round() / 1000.0)
                .collect::<Vec<_>>(),
        );
        let [without, ours, floor] = Mode::ALL;
        // One row, for the report and, as it is measured, for the log.
        let row = format!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.1}% | {:.1}% | {:.2} | {:.2} | {:.2} | {:+.2} / {:+.2} | {:.1}% | {:.1}% | {} | {} |",
            framework.name(),
            e2e.rps(without),
            e2e.rps(ours),
            e2e.rps(floor),
            e2e.kept_rps(ours) * 100.0,
            e2e.kept_rps(floor) * 100.0,
            e2e.cpu_us(without),
            e2e.cpu_us(ours),
            e2e.cpu_us(floor),
            e2e.added_cpu_us(ours),
            e2e.added_cpu_us(floor),
            e2e.kept_cpu(ours) * 100.0,
            e2e.kept_cpu(floor) * 100.0,
            yes_no(e2e.kept_cpu(ours) >= KEPT_TARGET),
            reachable(e2e.kept_cpu(floor), &e2e.kept_cpu_rounds(floor)),
        );
        eprintln!("e2e {row}");
        writeln!(report, "{row}").ok();
        if options.instructions {
            let started = Instant::now();
            let count = Mode::ALL.map(|mode| server_instructions(framework, mode));
            if let [Some(without), Some(ours), Some(floor)] = count {
                eprintln!(
                    "e2e {:<9} instructions/req: without {without:.0}, with {ours:.0}, floor {floor:.0} ({:.1}s)",
                    framework.name(),
                    started.elapsed().as_secs_f64()
                );
                counts.push((framework, [without, ours, floor], e2e.user_share_without.clone()));
            }
        }
    }
    writeln!(
        report,
        "\n{rounds} rounds of {seconds} s per server, the three servers in an order rotating from round to \
         round. \"floor\" is the same server with a hand-written layer, placed where ours is, that writes \
         the same four header lines as constants on every response (no policy, no look at the request): \
         the least any correct layer costs. \"kept (CPU)\" is the server's CPU time per request without a \
         layer over the same with it (what the layer costs the server, the throughput it keeps when the \
         server is CPU-bound); \"kept (req/s)\" is wrk's raw rate, which on this shared two-core machine \
         also moves with wrk's own CPU and the other processes. \"≥ 97%\" and \"97% reachable\" go by the \
         CPU figures: where the floor itself keeps less than 97%, no layer can meet the target (the range is \
         the floor's kept (CPU) over the rounds: how far to trust the verdict)."
    )
    .ok();
    if !counts.is_empty() {
        writeln!(
            report,
            "\nThe servers' instructions per request (valgrind callgrind, all threads; deterministic, unlike \
             the figures above, but user space only: the kernel's socket work, a large share of every \
             request's CPU time, is not counted, so the \"kept, instructions\" figures are lower than the \
             throughput's). \"user share\" is the part of the server's CPU time without a layer spent in user \
             space during its wrk rounds (`utime` over `utime` + `stime`, median over rounds; the rest is the \
             kernel's). A layer adds user-space work only, so the throughput it keeps when the server is \
             CPU-bound is estimated as 1 / (1 + user share × added / without), assuming its instructions take as \
             long each as the server's own: the estimate combines the repeatable instruction counts with a \
             ratio that moves little from round to round, where the CPU times above move by tens of percent.\n"
        )
        .ok();
        writeln!(
            report,
            "| framework | without (instr/req) | with ours | floor | added: ours / floor | ours / floor (added) | \
             kept, instructions: ours / floor | user share | kept, estimated: ours / floor | ≥ 97% (estimated) | \
             97% reachable (estimated) |"
        )
        .ok();
        writeln!(
            report,
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: | --- |"
        )
        .ok();
        for (framework, [without, ours, floor], shares) in counts {
            let estimated = |share: f64, with: f64| 1.0 / (1.0 + share * (with - without) / without);
            let user_share = median(shares.clone());
            let (ours_kept, floor_kept) = (estimated(user_share, ours), estimated(user_share, floor));
            // The floor's estimate at each round's user share: how far to trust the verdict.
            let floor_rounds: Vec<f64> = shares.iter().map(|&share| estimated(share, floor)).collect();
            writeln!(
                report,
                "| {} | {without:.0} | {ours:.0} | {floor:.0} | {:+.0} / {:+.0} | {:.2} | {:.1}% / {:.1}% | {:.2} | \
                 {:.1}% / {:.1}% | {} | {} |",
                framework.name(),
                ours - without,
                floor - without,
                (ours - without) / (floor - without),
                without / ours * 100.0,
                without / floor * 100.0,
                user_share,
                ours_kept * 100.0,
                floor_kept * 100.0,
                yes_no(ours_kept >= KEPT_TARGET),
                reachable(floor_kept, &floor_rounds),
            )
            .ok();
        }
    }
    true
}

/// Instructions per request of one end-to-end server, all threads: two runs of it under
/// callgrind, each sending `WARM` or `WARM + N` requests on one connection (with [`Client`])
/// then stopping it with SIGTERM, the difference over `N` (so that start-up, connection and
/// shutdown cancel out). `None` when valgrind is not installed or a run fails.
fn server_instructions(framework: Framework, mode: Mode) -> Option<f64> {
    const WARM: usize = 200;
    const N: usize = 2000;
    let collected = |n: usize| -> Option<f64> {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let log = std::env::temp_dir().join(format!(
            "cors-bench-callgrind-{}-{}.log",
            std::process::id(),
            addr.port()
        ));
        let count = callgrind_server(framework, mode, addr, &log, n);
        let _ = std::fs::remove_file(&log);
        count
    };
    let (base, full) = (collected(WARM)?, collected(WARM + N)?);
    Some((full - base) / N as f64)
}

/// One callgrind run of a server listening on `addr`, valgrind's messages to `log`: `n`
/// requests, then SIGTERM (valgrind reports when the server exits or dies of it); the
/// instructions collected.
fn callgrind_server(
    framework: Framework,
    mode: Mode,
    addr: SocketAddr,
    log: &std::path::Path,
    n: usize,
) -> Option<f64> {
    let mut server = Server {
        child: Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(format!("--log-file={}", log.display()))
            .arg(env!("CARGO_BIN_EXE_cors-bench-server"))
            .args([framework.name(), mode.name(), &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?,
        url: String::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let stream = loop {
        if let Ok(stream) = TcpStream::connect(addr) {
            break stream;
        }
        if Instant::now() > deadline || server.child.try_wait().ok()?.is_some() {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut client = Client::new(stream, addr);
    for _ in 0..n {
        if client.get().ok()?.status != 200 {
            return None;
        }
    }
    drop(client);
    Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .ok()?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while server.child.try_wait().ok()?.is_none() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(log)
        .ok()?
        .lines()
        .find_map(|l| l.split("Collected : ").nth(1))
        .and_then(|v| v.trim().parse().ok())
}

/// `--run FRAMEWORK CASE VARIANT N`: only sends N requests of one case through one variant
/// (after a warm-up), for a profiler: `valgrind --tool=callgrind
/// '--toggle-collect=*compare::sending*' <bench binary> --run axum allowed_origin ours 2000`
/// counts the sending alone.
fn run_only(args: &[String]) {
    let [framework, case, variant, n] = args else {
        panic!("--run FRAMEWORK CASE VARIANT N");
    };
    let framework = Framework::from_name(framework).expect("framework");
    let case = Case::named(case).expect("case");
    let variant = Variant::from_name(variant).expect("variant: without, ours, incumbent or floor");
    let n: usize = n.parse().expect("N");
    let mut harness = framework.harness(&case);
    harness.run(variant, 16, &mut |send| send());
    let mut left = n;
    while left > 0 {
        let batch = left.min(1024);
        harness.run(variant, batch, &mut |send_all| sending(send_all));
        left -= batch;
    }
}

/// Sends a batch of requests: the only function whose instructions [`instructions_per`]
/// counts (callgrind's `--toggle-collect`), so that building the application and the
/// requests never enters the count (a policy set's hash tables are seeded per process, and
/// building 101 policies moved the difference of two runs by hundreds of instructions per
/// request).
#[inline(never)]
fn sending(send_all: &mut dyn FnMut()) {
    send_all()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cors_bench::install_metrics_recorder();
    if let Some(i) = args.iter().position(|a| a == "--run") {
        return run_only(&args[i + 1..]);
    }
    let options = options();
    let plan = if options.quick { Plan::QUICK } else { Plan::FULL };
    let started = Instant::now();
    let mut report = String::new();
    writeln!(
        report,
        "Machine: {}. Plan: {} rounds of ~{} ms batches per variant{}{}.\n",
        machine(),
        plan.rounds,
        plan.batch.as_millis(),
        if options.quick { " (--quick)" } else { "" },
        if cfg!(feature = "metrics") {
            "; every request counted (feature metrics, into a recorder of atomic counters)"
        } else {
            ""
        }
    )
    .ok();

    writeln!(report, "### In-process: time and allocations added per request\n").ok();
    let rows = in_process(&options, plan, &mut report);

    writeln!(report, "\n### Flat in the number of origins\n").ok();
    flatness(plan, &mut report);

    if options.e2e {
        writeln!(
            report,
            "\n### End to end over HTTP/1.1 on loopback (wrk -t1 -c16, one server worker thread)\n"
        )
        .ok();
        end_to_end(&options, &mut report);
    }

    let times: Vec<(String, Added)> = rows.iter().map(|r| (r.name(), r.time())).collect();
    writeln!(report, "\n{}", summary("time", &times, false)).ok();
    let counts: Vec<(String, Added)> = rows
        .iter()
        .filter_map(|r| Some((r.name(), r.instructions()?)))
        .collect();
    if !counts.is_empty() {
        writeln!(report, "{}", summary("instructions", &counts, false)).ok();
    }
    writeln!(
        report,
        "Total run time: {:.0} s.",
        started.elapsed().as_secs_f64()
    )
    .ok();

    println!("\n{report}");
    if let Some(dir) = std::path::Path::new(&options.out).parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&options.out, &report) {
        Ok(()) => eprintln!("written to {}", options.out),
        Err(e) => eprintln!("cannot write {}: {e}", options.out),
    }
}
