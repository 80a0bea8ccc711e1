//! One end-to-end benchmark server: `cors-bench-server <axum|actix|warp|rocket> <with|without> <HOST:PORT>`.
//!
//! Serves `GET /api/items` on one worker thread, with the toolkit's layer (`with`) or without
//! any CORS layer (`without`), until killed. Started by the `compare` bench.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: cors-bench-server <axum|actix|warp|rocket> <with|without> <HOST:PORT>";
    let [framework, cors, addr] = args.as_slice() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let Some(framework) = cors_bench::Framework::from_name(framework) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let cors = match cors.as_str() {
        "with" => true,
        "without" => false,
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    };
    let Ok(addr) = addr.parse() else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    if let Err(e) = cors_bench::server::serve(framework, cors, addr) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
