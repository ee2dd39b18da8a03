fn main() -> std::process::ExitCode {
    conflint_cli::main()
}
