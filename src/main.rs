/// mimalloc: the pipeline allocates small strings per row on several threads,
/// where it is markedly faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let status = wacast::run(std::env::args_os());
    std::process::ExitCode::from(status.code())
}
