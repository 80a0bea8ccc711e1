//! The end-to-end servers over loopback: with the toolkit's layer and with the floor
//! (`cors_bench::server::Mode::Floor`), the benchmark's request gets the same four CORS header
//! lines (so the floor's cost is that of the same answer); without a layer, none.

use cors_bench::server::{Client, Mode, Reply, FLOOR_HEADERS};
use cors_bench::Framework;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts a server and sends it one request.
fn reply(framework: Framework, mode: Mode) -> Reply {
    let addr: SocketAddr = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_cors-bench-server"))
            .args([framework.name(), mode.name(), &addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start cors-bench-server"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let stream = loop {
        match TcpStream::connect(addr) {
            Ok(stream) => break stream,
            Err(e) => assert!(
                Instant::now() < deadline,
                "{} server did not start: {e}",
                framework.name()
            ),
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let reply = Client::new(stream, addr).get().expect("a response");
    drop(server);
    assert_eq!(reply.status, 200, "{} {}", framework.name(), mode.name());
    reply
}

#[test]
fn the_floor_server_writes_the_same_lines_as_ours() {
    let mut expected: Vec<(String, String)> = FLOOR_HEADERS
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    expected.sort();
    for framework in Framework::ALL {
        let name = framework.name();
        assert_eq!(reply(framework, Mode::Without).cors_lines(), [], "{name} without");
        assert_eq!(
            reply(framework, Mode::Ours).cors_lines(),
            expected,
            "{name} with ours"
        );
        assert_eq!(
            reply(framework, Mode::Floor).cors_lines(),
            expected,
            "{name} floor"
        );
    }
}
