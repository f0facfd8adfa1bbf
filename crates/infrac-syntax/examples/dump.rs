//! Prints the tree and the syntax diagnostics of a file: `cargo run -p infrac-syntax --example dump FILE`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: dump FILE");
    let text = std::fs::read_to_string(path).expect("readable file");
    let parsed = infrac_syntax::parse(&text, infrac_syntax::FileId(0));
    print!("{}", infrac_syntax::sexpr::to_sexpr(&parsed.file));
    for d in parsed.diagnostics {
        println!("{} {:?} {}", d.code, d.span, d.message);
    }
}
