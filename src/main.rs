fn main() -> std::process::ExitCode {
    let status = wacast::run(std::env::args_os());
    std::process::ExitCode::from(status.code())
}
