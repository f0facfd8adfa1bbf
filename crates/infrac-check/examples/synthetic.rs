//! Writes a generated project: `cargo run -p infrac-check --example synthetic -- DIR LINES FILES`.
//! For measuring the CLI and the language server on large programs.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let dir = std::path::PathBuf::from(args.get(1).map_or("synthetic", String::as_str));
    let lines = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(90_000);
    let files = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(100);
    std::fs::create_dir_all(dir.join("app")).expect("create the project folder");
    std::fs::write(dir.join("app/Dockerfile"), "FROM alpine\n").expect("write");
    std::fs::write(
        dir.join("app/index.js"),
        "exports.handler = async () => {};\n",
    )
    .expect("write");
    for (name, text) in infrac_check::synthetic::project_of_lines(lines, files) {
        std::fs::write(dir.join(name), text).expect("write");
    }
}
