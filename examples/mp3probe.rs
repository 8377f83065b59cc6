use wasm_sampler::decode::{AudioFile, SampleSink};
fn main() {
    let p = std::env::args().nth(1).unwrap();
    let data = std::fs::read(&p).unwrap();
    let file = AudioFile::from_bytes(std::path::Path::new("x.mp3"), data).unwrap();
    let info = file.info();
    eprintln!("info {:?} samples {}", info, info.samples());
    let len = info.samples() as usize;
    let mut written = 0usize;
    let mut count = |_o: usize, b: &[u8]| {
        written += b.len();
    };
    let mut sink = SampleSink::new(len, info.format, &mut count);
    let r = file.decode_into(&mut sink);
    eprintln!("result {:?} written {}", r.err().map(|e| e.to_string()), written);
}
