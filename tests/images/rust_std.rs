// SPDX-License-Identifier: MIT
// rust_std.rs - what Rust's standard library does on Windows, under `winvm run` (tests/test_rust.c).
// Built by Debian's rustc for x86_64-pc-windows-gnu (libstd-rust-dev-windows), linked by mingw-w64:
// std starts every thread with SetThreadStackGuarantee, finds WaitOnAddress and the keyed events
// with GetProcAddress, locks with SRW locks, unwinds panics with the SEH unwinder (_GCC_specific_handler
// over RtlUnwindEx), writes to the console or a pipe with WriteFile. Each check prints one line
// "ok NAME" or "FAIL NAME: why"; the last line counts them; the exit code is the failures' count
// plus 40 (so 40 means all passed and a crash cannot pass for it).
// Run as: rust_std.exe alpha beta, with RUST_STD_VAR=value in the environment.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, Once};
use std::time::{Duration, Instant};

static FAILED: AtomicUsize = AtomicUsize::new(0);
static PASSED: AtomicUsize = AtomicUsize::new(0);

fn check(name: &str, ok: bool, why: String) {
    if ok {
        PASSED.fetch_add(1, Ordering::SeqCst);
        println!("ok {}", name);
    } else {
        FAILED.fetch_add(1, Ordering::SeqCst);
        println!("FAIL {}: {}", name, why);
    }
}

// Keeps the optimiser from folding a value away (std::hint::black_box is not stable in 1.63).
fn opaque<T: Copy>(v: &T) -> T {
    unsafe { std::ptr::read_volatile(v) }
}

// Threads with a stack size of their own: the spawned closure recurses through 256 KB of frames,
// which a 1 MB stack holds; join returns its value.
fn deep(n: u32) -> u64 {
    let pad = [n as u8; 1024];
    let below = if n == 0 { 0 } else { deep(n - 1) };
    opaque(&pad);
    below + pad[(n % 1024) as usize] as u64
}

fn check_threads() {
    let handles: Vec<_> = (0..4u64)
        .map(|i| {
            std::thread::Builder::new()
                .name(format!("worker-{}", i))
                .stack_size(1 << 20)
                .spawn(move || {
                    let name = std::thread::current().name().map(String::from);
                    (i * 10 + deep(200) % 7, name)
                })
                .expect("spawn")
        })
        .collect();
    let mut got = Vec::new();
    for h in handles {
        got.push(h.join().expect("join"));
    }
    let want: Vec<_> = (0..4u64).map(|i| (i * 10 + deep(200) % 7, Some(format!("worker-{}", i)))).collect();
    check("threads", got == want, format!("{:?}", got));
}

// A Mutex-protected counter four threads raise, and a Condvar the main thread waits on until the
// last of them says it is done.
fn check_mutex_condvar() {
    let pair = Arc::new((Mutex::new((0u64, 0u32)), Condvar::new()));
    let mut hs = Vec::new();
    for _ in 0..4 {
        let p = Arc::clone(&pair);
        hs.push(std::thread::spawn(move || {
            for _ in 0..10_000 {
                p.0.lock().unwrap().0 += 1;
            }
            let mut g = p.0.lock().unwrap();
            g.1 += 1;
            p.1.notify_all();
        }));
    }
    let (lock, cv) = &*pair;
    let mut g = lock.lock().unwrap();
    while g.1 < 4 {
        g = cv.wait(g).unwrap();
    }
    let total = g.0;
    drop(g);
    for h in hs {
        h.join().unwrap();
    }
    let (g, timeout) = cv.wait_timeout(lock.lock().unwrap(), Duration::from_millis(30)).unwrap();
    check("mutex_condvar", total == 40_000 && timeout.timed_out() && g.1 == 4,
          format!("total {} timed_out {}", total, timeout.timed_out()));
}

fn check_channels() {
    let (tx, rx) = mpsc::channel::<u32>();
    let mut hs = Vec::new();
    for t in 0..3u32 {
        let tx = tx.clone();
        hs.push(std::thread::spawn(move || {
            for i in 0..1000 {
                tx.send(t * 1000 + i).unwrap();
            }
        }));
    }
    drop(tx);
    let mut sum: u64 = 0;
    let mut n = 0;
    for v in rx {
        sum += v as u64;
        n += 1;
    }
    for h in hs {
        h.join().unwrap();
    }
    // A rendezvous channel: each send waits for its receive.
    let (stx, srx) = mpsc::sync_channel::<String>(0);
    let h = std::thread::spawn(move || {
        for w in ["one", "two", "three"] {
            stx.send(w.to_string()).unwrap();
        }
    });
    let words: Vec<String> = srx.iter().collect();
    h.join().unwrap();
    // recv_timeout: a live sender that sends nothing times out; a dropped one disconnects.
    let (ltx, lrx) = mpsc::channel::<u8>();
    let waited = lrx.recv_timeout(Duration::from_millis(20));
    drop(ltx);
    let late = (waited, lrx.recv_timeout(Duration::from_millis(20)));
    check("channels", n == 3000 && sum == (0..3000u64).sum::<u64>() && words == ["one", "two", "three"]
          && late == (Err(mpsc::RecvTimeoutError::Timeout), Err(mpsc::RecvTimeoutError::Disconnected)),
          format!("n {} sum {} words {:?} late {:?}", n, sum, words, late));
}

// Once: eight threads race to run one initialiser; it runs once and all see its result.
static INIT: Once = Once::new();
static INIT_RUNS: AtomicUsize = AtomicUsize::new(0);
static TABLE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn check_once() {
    let hs: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(|| {
                INIT.call_once(|| {
                    INIT_RUNS.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    TABLE.lock().unwrap().extend([2, 3, 5, 7]);
                });
                TABLE.lock().unwrap().iter().sum::<u32>()
            })
        })
        .collect();
    let sums: Vec<u32> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    check("once", INIT_RUNS.load(Ordering::SeqCst) == 1 && INIT.is_completed() && sums.iter().all(|&s| s == 17),
          format!("runs {} sums {:?}", INIT_RUNS.load(Ordering::SeqCst), sums));
}

// thread_local!: each thread its own value; a thread's values are dropped at its exit.
static TLS_DROPS: AtomicUsize = AtomicUsize::new(0);
struct CountDrop(u32);
impl Drop for CountDrop {
    fn drop(&mut self) {
        TLS_DROPS.fetch_add(self.0 as usize, Ordering::SeqCst);
    }
}
thread_local! {
    static COUNTER: Cell<u32> = Cell::new(0);
    static OWNED: RefCell<Option<CountDrop>> = RefCell::new(None);
}

fn check_thread_local() {
    COUNTER.with(|c| c.set(100));
    let hs: Vec<_> = (1..=3u32)
        .map(|i| {
            std::thread::spawn(move || {
                for _ in 0..i {
                    COUNTER.with(|c| c.set(c.get() + 1));
                }
                OWNED.with(|o| *o.borrow_mut() = Some(CountDrop(i)));
                COUNTER.with(|c| c.get())
            })
        })
        .collect();
    let got: Vec<u32> = hs.into_iter().map(|h| h.join().unwrap()).collect();
    let mine = COUNTER.with(|c| c.get());
    let drops = TLS_DROPS.load(Ordering::SeqCst);
    check("thread_local", got == [1, 2, 3] && mine == 100 && drops == 6,
          format!("got {:?} mine {} drops {}", got, mine, drops));
}

// A panic three frames down, each frame holding a value whose Drop records it: catch_unwind
// returns the payload and every frame's value was dropped, innermost first.
static DROP_ORDER: Mutex<Vec<u32>> = Mutex::new(Vec::new());
struct Guard(u32);
impl Drop for Guard {
    fn drop(&mut self) {
        DROP_ORDER.lock().unwrap().push(self.0);
    }
}

#[inline(never)]
fn nest(depth: u32) -> u32 {
    let _g = Guard(depth);
    if depth == 3 {
        panic!("deep panic at {}", depth);
    }
    opaque(&nest(depth + 1)) + 1
}

fn check_panic() {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("panic hook: {}", info);
    }));
    let r = std::panic::catch_unwind(|| nest(1));
    let msg = match &r {
        Err(e) => e.downcast_ref::<String>().cloned().unwrap_or_default(),
        Ok(v) => format!("returned {}", v),
    };
    let order = DROP_ORDER.lock().unwrap().clone();
    // A panic in another thread: join reports it, the process goes on.
    let joined = std::thread::spawn(|| -> u32 { panic!("thread panic") }).join();
    let _ = std::panic::take_hook();
    check("panic", msg == "deep panic at 3" && order == [3, 2, 1] && joined.is_err(),
          format!("msg {:?} order {:?} joined_err {}", msg, order, joined.is_err()));
}

fn check_alloc() {
    let mut boxes: Vec<Box<[u64]>> = Vec::new();
    let mut sum: u64 = 0;
    for i in 0..2000u64 {
        let n = (i % 97 + 1) as usize * 16;
        let b: Box<[u64]> = (0..n as u64).map(|x| x ^ i).collect();
        sum = sum.wrapping_add(b.iter().sum::<u64>());
        boxes.push(b);
        if i % 3 == 0 {
            boxes.swap_remove((i as usize * 7) % boxes.len());
        }
    }
    let big: Vec<u8> = vec![0xa5; 64 << 20];
    let big_ok = big.len() == 64 << 20 && big[12345678] == 0xa5 && big[(64 << 20) - 1] == 0xa5;
    drop(big);
    let mut want: u64 = 0;
    for i in 0..2000u64 {
        let n = (i % 97 + 1) * 16;
        want = want.wrapping_add((0..n).map(|x| x ^ i).sum::<u64>());
    }
    let mut s = String::new();
    for i in 0..10_000 {
        s.push_str(&i.to_string());
    }
    check("alloc", sum == want && big_ok && s.len() == 38890 && boxes.len() == 1333,
          format!("sum {} want {} big {} len {} boxes {}", sum, want, big_ok, s.len(), boxes.len()));
}

fn check_env() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let var = std::env::var("RUST_STD_VAR");
    std::env::set_var("RUST_STD_SET", "set here");
    let set = std::env::var("RUST_STD_SET");
    std::env::remove_var("RUST_STD_SET");
    let removed = std::env::var("RUST_STD_SET").is_err();
    let listed = std::env::vars().any(|(k, v)| k == "RUST_STD_VAR" && v == "value");
    check("env", args == ["alpha", "beta"] && var.as_deref() == Ok("value")
          && set.as_deref() == Ok("set here") && removed && listed,
          format!("args {:?} var {:?} set {:?} removed {} listed {}", args, var, set, removed, listed));
}

fn check_fs() {
    let dir = std::env::temp_dir();
    let path = dir.join(format!("winvm_rust_std_{}.txt", std::process::id()));
    let text: String = (0..1000).map(|i| format!("line {}\n", i)).collect();
    let wrote = std::fs::write(&path, &text);
    let meta_len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let back = std::fs::read_to_string(&path);
    let appended = std::fs::OpenOptions::new().append(true).open(&path)
        .and_then(|mut f| f.write_all(b"tail\n"));
    let back2 = std::fs::read(&path).map(|v| v.len()).unwrap_or(0);
    // canonicalize: GetFinalPathNameByHandleW's \\?\ form; set_len: SetFileInformationByHandle.
    let canon = std::fs::canonicalize(&path).map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let canon_ok = canon.starts_with(r"\\?\") && canon.ends_with(&format!("winvm_rust_std_{}.txt", std::process::id()));
    let cut = std::fs::OpenOptions::new().write(true).open(&path).and_then(|f| f.set_len(100));
    let cut_len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    // fs::copy: CopyFileExW, its progress routine telling the size.
    let copy_path = path.with_extension("copy");
    let copied = std::fs::copy(&path, &copy_path).unwrap_or(0);
    let copy_same = std::fs::read(&copy_path).map(|v| v.len() == 100).unwrap_or(false);
    // symlink_file: CreateSymbolicLinkW with a relative target, read through the link.
    let link = path.with_extension("link");
    let _ = std::fs::remove_file(&link);
    let linked = std::os::windows::fs::symlink_file(copy_path.file_name().unwrap(), &link)
        .and_then(|_| std::fs::read(&link)).map(|v| v.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&link);
    let _ = std::fs::remove_file(&copy_path);
    let removed = std::fs::remove_file(&path);
    let gone = std::fs::metadata(&path).map(|_| "exists".to_string()).unwrap_or_else(|e| format!("{:?}", e.kind()));
    check("fs", wrote.is_ok() && back.as_deref().ok() == Some(text.as_str()) && meta_len == text.len() as u64
          && appended.is_ok() && back2 == text.len() + 5 && removed.is_ok() && gone == "NotFound"
          && canon_ok && cut.is_ok() && cut_len == 100 && copied == 100 && copy_same && linked == 100,
          format!("dir {:?} wrote {:?} len {} back_ok {} appended {:?} back2 {} removed {:?} gone {} canon {:?} cut {:?} {} copied {} {} linked {}",
                  dir, wrote, meta_len, back.is_ok(), appended, back2, removed, gone, canon, cut, cut_len, copied, copy_same, linked));
}

fn check_time() {
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(50));
    let slept = t0.elapsed();
    let wall = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    // 2020-01-01 .. 2100-01-01
    check("time", slept >= Duration::from_millis(50) && slept < Duration::from_secs(5)
          && wall > 1_577_836_800 && wall < 4_102_444_800,
          format!("slept {:?} wall {}", slept, wall));
}

// std::net: a TcpListener on 127.0.0.1:0 (WSASocketW, bind, listen, getsockname), a TcpStream
// connecting from another thread, bytes echoed both ways with send/recv and with the vectored
// forms (WSASend, WSARecv), try_clone (WSADuplicateSocketW and WSASocketW from its
// WSAPROTOCOL_INFOW) still working after the original is dropped, a read timeout
// (WSAETIMEDOUT: TimedOut) and a non-blocking read (WouldBlock); then a UdpSocket pair with
// send_to/recv_from both ways, one side through a clone.
fn tcp_client(addr: std::net::SocketAddr) -> std::io::Result<String> {
    use std::io::{IoSlice, Read};
    let mut s = std::net::TcpStream::connect(addr)?;
    s.write_all(b"hello from client")?;
    let mut back = [0u8; 17];
    s.read_exact(&mut back)?;
    let n = s.write_vectored(&[IoSlice::new(b"vec"), IoSlice::new(b"tored")])?;
    let mut rest = String::new();
    s.read_to_string(&mut rest)?; // until the server's clone closes
    Ok(format!("{}|{}|{}", String::from_utf8_lossy(&back), n, rest))
}

fn tcp_server(listener: &std::net::TcpListener) -> std::io::Result<String> {
    use std::io::{IoSliceMut, Read};
    let (mut conn, peer) = listener.accept()?;
    let mut buf = [0u8; 17];
    conn.read_exact(&mut buf)?;
    conn.write_all(&buf)?;
    let mut clone = conn.try_clone()?;
    let mut got = Vec::new(); // "vectored", read into a 3-byte and a 5-byte buffer
    while got.len() < 8 {
        let (mut x, mut y) = ([0u8; 3], [0u8; 5]);
        let n = clone.read_vectored(&mut [IoSliceMut::new(&mut x), IoSliceMut::new(&mut y)])?;
        if n == 0 {
            break;
        }
        got.extend_from_slice(&x[..n.min(3)]);
        got.extend_from_slice(&y[..n.saturating_sub(3)]);
    }
    let same_peer = clone.peer_addr()? == peer && peer.ip().is_loopback();
    drop(conn);
    clone.set_read_timeout(Some(Duration::from_millis(50)))?;
    let timed = clone.read(&mut buf).map(|n| format!("read {}", n)).unwrap_or_else(|e| format!("{:?}", e.kind()));
    clone.set_nonblocking(true)?;
    let wouldblock = clone.read(&mut buf).map(|n| format!("read {}", n)).unwrap_or_else(|e| format!("{:?}", e.kind()));
    clone.set_nonblocking(false)?;
    clone.write_all(b"bye")?;
    Ok(format!("{}|{}|{}|{}", String::from_utf8_lossy(&got), same_peer, timed, wouldblock))
}

fn check_net_tcp() {
    let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
        Ok(l) => l,
        Err(e) => return check("net_tcp", false, format!("bind {:?}", e)),
    };
    let addr = listener.local_addr().unwrap();
    let client = std::thread::spawn(move || tcp_client(addr));
    let server = tcp_server(&listener);
    let client = client.join().unwrap();
    let want_server = "vectored|true|TimedOut|WouldBlock";
    let want_client = "hello from client|8|bye";
    check("net_tcp", addr.port() != 0 && server.as_deref().ok() == Some(want_server)
          && client.as_deref().ok() == Some(want_client),
          format!("addr {} server {:?} client {:?}", addr, server, client));
}

fn udp_pair() -> std::io::Result<String> {
    let a = std::net::UdpSocket::bind("127.0.0.1:0")?;
    let b = std::net::UdpSocket::bind("127.0.0.1:0")?;
    let a2 = a.try_clone()?;
    a.send_to(b"ping", b.local_addr()?)?;
    let mut buf = [0u8; 16];
    let (n, from) = b.recv_from(&mut buf)?;
    let first = format!("{} {}", String::from_utf8_lossy(&buf[..n]), from == a.local_addr()?);
    b.send_to(b"pong!", from)?;
    let (m, back) = a2.recv_from(&mut buf)?; // through the clone
    let second = format!("{} {}", String::from_utf8_lossy(&buf[..m]), back == b.local_addr()?);
    // A datagram larger than the buffer: Windows fills it and reports an error.
    a.send_to(b"0123456789", b.local_addr()?)?;
    let mut small = [0u8; 4];
    let cut = b.recv_from(&mut small).map(|(n, _)| format!("read {}", n)).unwrap_or_else(|_| format!("err {}", String::from_utf8_lossy(&small)));
    Ok(format!("{}|{}|{}", first, second, cut))
}

fn check_net_udp() {
    let r = udp_pair();
    check("net_udp", r.as_deref().ok() == Some("ping true|pong! true|err 0123"), format!("{:?}", r));
}

// `rust_std.exe overflow`: a thread recursing without end.  std's vectored handler sees
// STATUS_STACK_OVERFLOW (dispatched on the guarantee SetThreadStackGuarantee asked for), prints
// "thread 'NAME' has overflowed its stack" and aborts the process.
#[inline(never)]
#[allow(unconditional_recursion)]
fn endless(n: u64) -> u64 {
    let pad = [n as u8; 512];
    opaque(&pad);
    endless(n + 1) + pad[(n % 512) as usize] as u64
}

fn overflow() {
    let h = std::thread::Builder::new()
        .name("recursing".into())
        .stack_size(256 << 10)
        .spawn(|| {
            println!("recursing");
            std::io::stdout().flush().unwrap();
            endless(0)
        })
        .unwrap();
    let r = h.join();
    println!("joined, unexpected: {:?}", r.is_ok());
}

fn main() {
    if std::env::args().nth(1).as_deref() == Some("overflow") {
        return overflow();
    }
    eprintln!("rust_std: to stderr");
    check_threads();
    check_mutex_condvar();
    check_channels();
    check_once();
    check_thread_local();
    check_panic();
    check_alloc();
    check_env();
    check_fs();
    check_time();
    check_net_tcp();
    check_net_udp();
    let failed = FAILED.load(Ordering::SeqCst);
    println!("summary: {} passed, {} failed", PASSED.load(Ordering::SeqCst), failed);
    std::io::stdout().flush().unwrap();
    std::process::exit(40 + failed as i32);
}
