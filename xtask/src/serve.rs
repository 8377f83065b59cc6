//! A static file server on 127.0.0.1 for the browser host's site: `cargo
//! xtask web --serve`, and the browser test (which includes this file).
//! Browsers load AudioWorklet modules only over HTTP(S) (not `file://`), and
//! 127.0.0.1 counts as a secure context, which `crypto.subtle` needs.
//!
//! Written by hand: a few dozen lines of std serve one folder to one local
//! browser, where a web framework would add a runtime to the build.
//! `POST /result` bodies (a page opened with `?report=1` posts its result)
//! are passed on through the returned channel.
//!
//! Thread: its own (one accept loop; each request answered in turn).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};

/// Serves `root` on 127.0.0.1 at `port` (0: any free port), from a thread
/// of its own that lives as long as the process; gives the address and the
/// posted results.
pub fn start(root: PathBuf, port: u16) -> std::io::Result<(SocketAddr, Receiver<Vec<u8>>)> {
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    let addr = listener.local_addr()?;
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &root, &tx);
        }
    });
    Ok((addr, rx))
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("wasm") => "application/wasm",
        Some("wav") => "audio/wav",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

fn answer(stream: TcpStream, root: &Path, results: &Sender<Vec<u8>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
    let path = target.split(['?', '#']).next().unwrap_or("/");
    let mut out = stream;
    if method == "POST" && path == "/result" {
        let mut body = vec![0u8; length.min(1 << 20)];
        reader.read_exact(&mut body)?;
        let _ = results.send(body);
        return out.write_all(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
    }
    let relative = Path::new(path.trim_start_matches('/'));
    let file = if relative.as_os_str().is_empty() { root.join("index.html") } else { root.join(relative) };
    // Only plain names below the root.
    let inside = relative.components().all(|c| matches!(c, Component::Normal(_)));
    match std::fs::read(&file).ok().filter(|_| method == "GET" && inside) {
        Some(body) => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
                content_type(&file),
                body.len()
            );
            out.write_all(head.as_bytes())?;
            out.write_all(&body)
        }
        None => out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
    }
}
