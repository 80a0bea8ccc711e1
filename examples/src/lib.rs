//! What the four example servers share: the command line, policy loading, the start-up line,
//! clean shutdown on SIGINT and SIGTERM ([`shutdown`]) and the response bodies of the example routes
//! (examples/README.md). No CORS logic lives here: that is the core's, reached through each
//! framework's adapter.

use cors_core::{Guard, Policy, PolicyBuilder, PolicyConfig, PolicyHandle, PolicySet, PolicySetConfig};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The header every handler sets, so tests can tell a handler's response from the layer's.
pub const HANDLER_HEADER: (&str, &str) = ("x-handler", "ran");
/// `GET /api/items` body.
pub const ITEMS_JSON: &str = r#"[{"id":1,"name":"one"},{"id":2,"name":"two"},{"id":3,"name":"three"}]"#;
/// `GET /api/items` extra headers.
pub const ITEMS_HEADERS: [(&str, &str); 2] = [("x-request-id", "42"), ("x-total-count", "3")];
/// `GET /api/cookie/set` cookie.
pub const SET_COOKIE: &str = "sid=1; Path=/; SameSite=None; Secure";
/// `GET /health` body.
pub const HEALTH_BODY: &str = "ok";
/// `OPTIONS /api/items` body.
pub const OPTIONS_BODY: &str = "options handler";
/// The `Authorization` value `GET /api/private`'s authentication layer lets through.
pub const PRIVATE_TOKEN: &str = "Bearer secret";
/// `GET /api/private` body, once the authentication layer let the request through.
pub const PRIVATE_JSON: &str = r#"{"private":true}"#;
/// The body of the 401 the authentication layer of `GET /api/private` answers itself.
pub const UNAUTHORIZED_BODY: &str = "unauthorized";
/// `GET /public/info` body.
pub const PUBLIC_INFO_JSON: &str = r#"{"info":"public"}"#;

/// The JSON echo of a method for `POST`/`PUT`/`PATCH`/`DELETE /api/items`.
pub fn method_echo_json(method: &str) -> String {
    serde_json::json!({ "method": method }).to_string()
}

/// The JSON of `GET /api/cookie/echo`.
pub fn cookie_echo_json(cookie: Option<&str>) -> String {
    serde_json::json!({ "cookie": cookie }).to_string()
}

/// How many times a write handler of `/api/items` ran in this process: what a browser test
/// reads to tell whether a write reached the handler, where a page cannot read `X-Handler` (a
/// form post's navigation, a `no-cors` fetch's opaque response). Process-wide: in `cors-demo`,
/// whose four servers share one process, it counts the writes of all four.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Counts one run of a write handler (`POST`, `PUT`, `PATCH`, `DELETE /api/items`); each
/// server's handlers call it.
pub fn count_write() {
    WRITES.fetch_add(1, Ordering::SeqCst);
}

/// How many times a write handler of `/api/items` ran in this process so far.
pub fn writes() -> u64 {
    WRITES.load(Ordering::SeqCst)
}

/// The JSON of `GET /api/writes`: `{"writes":N}`, [`writes`] now.
pub fn writes_json() -> String {
    serde_json::json!({ "writes": writes() }).to_string()
}

/// The default port of each framework's server, and of each protocol server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    /// actix-web, port 8081.
    Actix,
    /// axum, port 8082.
    Axum,
    /// Rocket, port 8083.
    Rocket,
    /// warp, port 8084.
    Warp,
    /// `grpc-web-server` (tonic and tonic-web on axum), port 8085.
    GrpcWeb,
    /// `connect-server` (connect-rust on axum), port 8086.
    Connect,
    /// `mcp-server` (rmcp on axum), port 8087.
    Mcp,
}

impl Framework {
    fn default_port(self) -> u16 {
        match self {
            Framework::Actix => 8081,
            Framework::Axum => 8082,
            Framework::Rocket => 8083,
            Framework::Warp => 8084,
            Framework::GrpcWeb => 8085,
            Framework::Connect => 8086,
            Framework::Mcp => 8087,
        }
    }
}

/// A server's start-up settings, from `[--config FILE] [--addr HOST:PORT] [--watch]
/// [--origin-store URL] [--origin-store-ttl SECONDS] [--candidate FILE] [--debug-answers]`.
/// The store, the candidate and the debug answers are already part of `policy`; with a
/// policy set, the store is part of its tenant routes' policies.
#[derive(Debug)]
pub struct Settings {
    /// The policy for `/api/*` and unmatched paths (with a policy set, the set's first).
    pub policy: Policy,
    /// The policy set, when the policy file has `[[routes]]`: mounted once, outermost, for
    /// every route (the fixed `/public` policy is then not used).
    pub set: Option<PolicySet>,
    /// The file it was read from.
    pub config: PathBuf,
    /// `--watch`: reload `config` when it changes and on `SIGHUP`.
    pub watch: bool,
    /// The fixed any-origin policy of `/public/*`.
    pub public_policy: Policy,
    /// Where to listen.
    pub addr: SocketAddr,
    /// The request guard whatever the file says, in reloads too: `--guard MODE`, and
    /// `strict` for `mcp-server`, since MCP's Streamable HTTP transport requires refusing a
    /// disallowed `Origin` with 403.
    pub guard: Option<Guard>,
}

const USAGE: &str = "usage: [--config FILE] [--addr HOST:PORT] [--watch] [--origin-store URL] \
     [--origin-store-ttl SECONDS] [--candidate FILE] [--debug-answers] \
     [--guard off|report|enforce|strict]";

/// How long a looked-up answer is cached without `--origin-store-ttl`.
const DEFAULT_STORE_TTL: Duration = Duration::from_secs(60);

/// Reads the command line and the policy; on any problem prints it and exits non-zero.
pub fn settings_or_exit(framework: Framework) -> Settings {
    match settings(framework, std::env::args().skip(1)) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(2);
        }
    }
}

/// The command line's flags, read.
struct Args {
    config: Option<PathBuf>,
    watch: bool,
    origin_store: Option<String>,
    candidate: Option<PathBuf>,
    debug_answers: bool,
    guard: Option<Guard>,
    ttl: Duration,
    addr: SocketAddr,
}

fn read_args(framework: Framework, mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut config = None;
    let mut watch = false;
    let mut origin_store = None;
    let mut candidate = None;
    let mut debug_answers = false;
    let mut guard = None;
    let mut ttl = DEFAULT_STORE_TTL;
    let mut addr = SocketAddr::from(([127, 0, 0, 1], framework.default_port()));
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--config" => config = Some(PathBuf::from(value()?)),
            "--addr" => {
                let v = value()?;
                addr = v.parse().map_err(|e| format!("--addr {v:?}: {e}"))?;
            }
            "--watch" => watch = true,
            "--candidate" => candidate = Some(PathBuf::from(value()?)),
            "--debug-answers" => debug_answers = true,
            "--guard" => {
                let v = value()?;
                let mode = v.parse().map_err(|e| format!("--guard {v:?} {e}"))?;
                guard = Some(mode);
            }
            "--origin-store" => origin_store = Some(value()?),
            "--origin-store-ttl" => {
                let v = value()?;
                let seconds: u64 = v
                    .parse()
                    .map_err(|e| format!("--origin-store-ttl {v:?}: {e} (a whole number of seconds)"))?;
                ttl = Duration::from_secs(seconds);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?}; {USAGE}")),
        }
    }
    Ok(Args {
        config,
        watch,
        origin_store,
        candidate,
        debug_answers,
        guard,
        ttl,
        addr,
    })
}

fn settings(framework: Framework, args: impl Iterator<Item = String>) -> Result<Settings, String> {
    let Args {
        config,
        watch,
        origin_store,
        candidate,
        debug_answers,
        guard,
        ttl,
        addr,
    } = read_args(framework, args)?;
    let config = config.unwrap_or_else(default_config);
    let guard = if framework == Framework::Mcp {
        Some(Guard::Strict)
    } else {
        guard
    };
    let set = load_set(&config, guard, origin_store.as_deref().map(|url| (url, ttl)))?;
    if set.is_some() {
        let refused = [
            ("--watch", watch),
            ("--candidate", candidate.is_some()),
            ("--debug-answers", debug_answers),
        ];
        if let Some((flag, _)) = refused.iter().find(|(_, given)| *given) {
            return Err(format!(
                "{flag} is not supported with [[routes]] in the policy file yet"
            ));
        }
    }
    let public_policy = Policy::builder()
        .allow_origins(["*"])
        .build()
        .map_err(|e| e.to_string())?;
    if let Some(set) = set {
        // Printed as a single policy's are: the default's, or the first route's.
        let policy = set.default_policy().unwrap_or(set.routes()[0].policy()).clone();
        return Ok(Settings {
            policy,
            set: Some(set),
            config,
            watch,
            public_policy,
            addr,
            guard,
        });
    }
    let mut file = PolicyConfig::load(&config).map_err(|e| e.to_string())?;
    if let Some(guard) = guard {
        file.guard = guard.name().to_owned();
    }
    say_env_overrides(&config);
    let policy = match &origin_store {
        None => Policy::from_config(&file),
        Some(url) => PolicyBuilder::from_config(file)
            .lookup_cache(open_store(url)?.lookup_cache(ttl))
            .build(),
    }
    .map_err(|e| e.to_string())?;
    let policy = match &candidate {
        Some(path) => policy.with_candidate(Some(candidate_policy(path, &policy)?)),
        None => policy,
    }
    .with_debug_answers(debug_answers);
    Ok(Settings {
        policy,
        set: None,
        config,
        watch,
        public_policy,
        addr,
        guard,
    })
}

/// The policy set of a policy file with `[[routes]]`; `None` for a file without. `store` is
/// `--origin-store` and its TTL, for the set's tenant routes.
fn load_set(
    path: &std::path::Path,
    guard: Option<Guard>,
    store: Option<(&str, Duration)>,
) -> Result<Option<PolicySet>, String> {
    let mut config = PolicySetConfig::load(path).map_err(|e| e.to_string())?;
    if config.routes.is_empty() {
        return Ok(None);
    }
    if let Some(guard) = guard {
        config.top.guard = guard.name().to_owned();
        for route in &mut config.routes {
            route.policy.guard = guard.name().to_owned();
        }
    }
    let set = build_set(&config, store)?;
    for warning in set.warnings() {
        eprintln!("warning: {warning}");
    }
    // The policy the settings print the warnings of is the default, else the first route's.
    let printed = if set.default_policy().is_some() { 0 } else { 1 };
    for route in &set.routes()[printed..] {
        for warning in route.policy().warnings() {
            eprintln!("warning: routes.{}: {warning}", route.name());
        }
    }
    Ok(Some(set))
}

/// The set of `config`: with `--origin-store` (`store`), each tenant route (`tenant = true`)
/// looks its origins up per tenant in the store, opened once (rules §11). A tenant route
/// without the store, or the store without a tenant route, is refused with what to do, so
/// that neither is silently ignored.
fn build_set(config: &PolicySetConfig, store: Option<(&str, Duration)>) -> Result<PolicySet, String> {
    let tenant_route = config.routes.iter().find(|route| route.tenant);
    let set = match (store, tenant_route) {
        (None, Some(route)) => {
            return Err(format!(
                "routes.{}: tenant = true looks its origins up per tenant in a store: give the server \
                 --origin-store URL (postgres://... or redis://...)",
                route.name
            ))
        }
        (None, None) => PolicySet::from_config(config),
        (Some(_), None) => {
            return Err(
                "--origin-store with [[routes]] in the policy file looks up the origins of its \
                 tenant routes, and no route has tenant = true: add tenant = true to the routes whose \
                 origins the store keeps per tenant, or leave out --origin-store"
                    .to_owned(),
            )
        }
        (Some((url, ttl)), Some(_)) => {
            PolicySet::from_config_with(config, &open_store(url)?.tenant_lookup_cache(ttl))
        }
    };
    set.map_err(|e| e.to_string())
}

/// Says on stderr, for the policy file at `path`, each key a `CORS_*` variable replaced, so
/// that a server's policy never silently differs from the file it names (a candidate's
/// included: the variables apply to it as they will once it is enforced).
fn say_env_overrides(path: &std::path::Path) {
    let vars = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v)));
    for o in PolicyConfig::env_overrides(vars) {
        eprintln!("note: {}: {o} from the environment", path.display());
    }
}

/// The `--candidate` policy, built with the enforced one's origin sources (its looked-up
/// origins, in the same cache), so that the two are compared on what their files say, not on
/// the store.
fn candidate_policy(path: &std::path::Path, enforced: &Policy) -> Result<Policy, String> {
    let file = PolicyConfig::load(path).map_err(|e| format!("--candidate: {e}"))?;
    say_env_overrides(path);
    enforced
        .rebuild(&file)
        .map_err(|e| format!("--candidate {}: {e}", path.display()))
}

/// Installs the Prometheus recorder for `GET /metrics` ([`metrics_text`]); call it before the
/// first request, which registers the engine's counters with the recorder then installed.
pub fn install_metrics() {
    if METRICS.get().is_some() {
        return;
    }
    match metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder() {
        Ok(handle) => {
            // Every series listed (at 0) from the start, not after the first request.
            cors_core::metrics::register();
            let _ = METRICS.set(handle);
        }
        Err(e) => eprintln!("warning: no /metrics: {e}"),
    }
}

static METRICS: OnceLock<metrics_exporter_prometheus::PrometheusHandle> = OnceLock::new();

/// `GET /metrics`: the engine's counters (`cors_requests_total`...) in Prometheus text.
pub fn metrics_text() -> String {
    METRICS.get().map(|h| h.render()).unwrap_or_default()
}

/// The content type of [`metrics_text`].
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Opens the `--origin-store`, whose caches (`lookup_cache`, `tenant_lookup_cache`) it keeps
/// up to date through its change notifications. The store's connection lives on a runtime of
/// its own, apart from the framework's, for the whole process: it reconnects by itself when
/// the store comes back.
fn open_store(url: &str) -> Result<cors_store::OriginStore, String> {
    static STORE_RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    let runtime = match STORE_RUNTIME.get() {
        Some(runtime) => runtime,
        None => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("origin-store")
                .enable_all()
                .build()
                .map_err(|e| format!("--origin-store: cannot start its runtime: {e}"))?;
            STORE_RUNTIME.get_or_init(|| runtime)
        }
    };
    let _entered = runtime.enter();
    cors_store::OriginStore::open(url).map_err(|e| format!("--origin-store {url}: {e}"))
}

/// `examples/cors.toml` from the working directory, else the copy beside this package.
pub fn default_config() -> PathBuf {
    let relative = PathBuf::from("examples/cors.toml");
    if relative.exists() {
        relative
    } else {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/cors.toml"))
    }
}

/// The per-framework servers, each a blocking `run(settings, on_listening, shutdown)` (a [`Run`]).
pub mod apps {
    pub mod actix;
    pub mod axum;
    pub mod rocket;
    pub mod warp;
}

pub mod protocols;

pub mod shutdown;
pub use shutdown::{Shutdown, ShutdownRequest};

/// Called once a server accepts connections, with its real address.
pub type OnListening = Box<dyn FnOnce(SocketAddr) + Send>;

/// A server's blocking entry point: serves until `Shutdown` is requested, then stops as
/// [`shutdown`] describes and returns.
pub type Run = fn(Settings, OnListening, Shutdown) -> Result<(), String>;

/// The whole `main` of an example server: command line, policy and its warnings, logging,
/// signals, serve; returns (exit status 0) once the server has stopped after SIGINT or SIGTERM.
pub fn main(framework: Framework, run: Run) {
    install_metrics();
    let settings = settings_or_exit(framework);
    print_warnings(&settings.policy);
    // After the policy is built: the core also logs its warnings with `tracing::warn!` when
    // building it, and they are printed above already.
    init_tracing();
    // Before serving: a signal sent once the server says it listens must find the handlers.
    let shutdown = match Shutdown::on_signals() {
        Ok(shutdown) => shutdown,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::exit(1);
        }
    };
    if let Err(message) = run(settings, Box::new(announce), shutdown) {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

/// Prints each of the policy's warnings (risky but valid choices, such as a loopback origin)
/// to stderr as `warning: ...`, so that whoever starts the server sees them, with or without
/// `RUST_LOG` and a `tracing` subscriber.
pub fn print_warnings(policy: &Policy) {
    for warning in policy.warnings() {
        eprintln!("warning: {warning}");
    }
}

/// An adapter's layer, made reconfigurable and watched with `--watch` (see `watch` below), or as
/// it is without: `with_handle` is the adapter's own (`CorsLayer::with_handle`...).
pub fn live<L>(settings: &Settings, layer: L, with_handle: fn(L) -> (L, PolicyHandle)) -> L {
    if !settings.watch {
        return layer;
    }
    let (layer, handle) = with_handle(layer);
    watch(settings, handle, settings.guard);
    layer
}

/// Reloads the policy file through `handle` when it changes (checked every
/// 200 ms) and on `SIGHUP`, on a thread of its own. A valid file applies to requests that
/// start afterwards (`policy reloaded from FILE`); an invalid one is refused with every
/// problem and the policy in force keeps serving (`policy refused, still serving the previous
/// one: ...`). Both go to stderr.
fn watch(settings: &Settings, handle: PolicyHandle, guard: Option<Guard>) {
    let path = settings.config.clone();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => runtime,
            Err(e) => return eprintln!("error: --watch cannot start: {e}"),
        };
        runtime.block_on(watch_loop(path, handle, guard));
    });
}

async fn watch_loop(path: PathBuf, handle: PolicyHandle, guard: Option<Guard>) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hangup = match signal(SignalKind::hangup()) {
        Ok(hangup) => Some(hangup),
        Err(e) => {
            eprintln!("warning: --watch cannot catch SIGHUP ({e}); watching the file only");
            None
        }
    };
    // The file's bytes, not its size and time: a file replaced by one of the same size and
    // time (a symlink swap, `cp -p` then `mv`, a Nix-style store) is a change too. A change
    // applies once two looks agree, so that a file caught half-written is not applied.
    let read = |path: &PathBuf| std::fs::read(path).ok();
    let mut seen = read(&path);
    let mut changing: Option<Option<Vec<u8>>> = None;
    loop {
        let hung_up = async {
            match hangup.as_mut() {
                Some(h) => h.recv().await.is_some(),
                None => std::future::pending().await,
            }
        };
        let reason = tokio::select! {
            true = hung_up => "SIGHUP",
            () = tokio::time::sleep(std::time::Duration::from_millis(200)) => {
                let now = read(&path);
                if now == seen {
                    changing = None;
                    continue;
                }
                if changing.as_ref() != Some(&now) {
                    changing = Some(now);
                    continue;
                }
                changing = None;
                seen = now;
                "a change"
            }
        };
        reload(&path, &handle, reason, guard);
    }
}

fn reload(path: &std::path::Path, handle: &PolicyHandle, reason: &str, guard: Option<Guard>) {
    let reloaded = match guard {
        Some(guard) => PolicyConfig::load(path)
            .map_err(|e| e.to_string())
            .and_then(|mut config| {
                config.guard = guard.name().to_owned();
                handle.set_config(&config).map_err(|e| e.to_string())
            }),
        None => handle.reload(path).map_err(|e| e.to_string()),
    };
    match reloaded {
        Ok(()) => {
            eprintln!("policy reloaded from {} ({reason})", path.display());
            print_warnings(&handle.policy());
        }
        Err(e) => eprintln!("policy refused, still serving the previous one ({reason}): {e}"),
    }
}

/// Prints the start-up line (examples/README.md) once the server accepts connections.
pub fn announce(addr: SocketAddr) {
    use std::io::Write;
    println!("listening on http://{addr}");
    let _ = std::io::stdout().flush();
}

/// Logs to stderr, filtered by `RUST_LOG` (e.g. `RUST_LOG=cors=debug` shows every rejection
/// with its reason). Rocket's own lines reach `tracing` through the `log` bridge, where its
/// `log_level` cannot silence them, so they are off unless `RUST_LOG` asks for them.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,rocket=off")),
        )
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> impl Iterator<Item = String> {
        list.iter().map(|s| s.to_string()).collect::<Vec<_>>().into_iter()
    }

    #[test]
    fn defaults_and_flags() {
        let s = settings(Framework::Axum, args(&[])).unwrap();
        assert_eq!(s.addr.port(), 8082);
        let s = settings(Framework::Warp, args(&["--addr", "127.0.0.1:0"])).unwrap();
        assert_eq!(s.addr.port(), 0);
        let err = settings(Framework::Warp, args(&["--config", "/nonexistent.toml"])).unwrap_err();
        assert!(err.contains("cannot read policy file"), "{err}");
        assert!(settings(Framework::Warp, args(&["--bogus"])).is_err());
    }

    /// A policy file with `[[routes]]` in a temporary folder.
    fn set_file(name: &str, text: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("cors-examples-settings-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn an_origin_store_serves_the_tenant_routes_of_a_set() {
        let tenants = set_file(
            "tenants.toml",
            "tenant_header = \"x-tenant\"\n[[routes]]\nname = \"api\"\npath = \"/api\"\ntenant = true\n",
        );
        let config = tenants.to_str().unwrap();
        // Nothing listens there: the store connects in the background, and refuses meanwhile.
        let store = "redis://127.0.0.1:1/0";
        let s = settings(
            Framework::Axum,
            args(&["--config", config, "--origin-store", store]),
        )
        .unwrap();
        let set = s.set.expect("a set");
        assert!(set.routes()[0].is_tenant());
        assert_eq!(set.tenant_header(), Some("x-tenant"));
        // Without the store, the tenant route has no origins to look up.
        let err = settings(Framework::Axum, args(&["--config", config])).unwrap_err();
        assert!(err.contains("--origin-store"), "{err}");
        // A set without a tenant route has no use for the store.
        let plain = set_file(
            "plain.toml",
            "[[routes]]\nname = \"api\"\npath = \"/api\"\nallow_origins = [\"https://a.example\"]\n",
        );
        let plain = plain.to_str().unwrap();
        let err = settings(
            Framework::Axum,
            args(&["--config", plain, "--origin-store", store]),
        )
        .unwrap_err();
        assert!(err.contains("no route has tenant = true"), "{err}");
    }
}
