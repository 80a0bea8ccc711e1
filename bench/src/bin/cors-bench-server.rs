//! One end-to-end benchmark server: `cors-bench-server <axum|actix|warp|rocket> <without|with|floor> <HOST:PORT>`.
//!
//! Serves `GET /api/items` on one worker thread, without any CORS layer (`without`), with the
//! toolkit's layer (`with`) or with the floor (`floor`: see `cors_bench::server::Mode`), until
//! killed. Started by the `compare` bench.

use cors_bench::server::Mode;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: cors-bench-server <axum|actix|warp|rocket> <without|with|floor> <HOST:PORT>";
    let fail = || -> ! {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let [framework, mode, addr] = args.as_slice() else {
        fail()
    };
    let Some(framework) = cors_bench::Framework::from_name(framework) else {
        fail()
    };
    let Some(mode) = Mode::from_name(mode) else { fail() };
    let Ok(addr) = addr.parse() else { fail() };
    if let Err(e) = cors_bench::server::serve(framework, mode, addr) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
