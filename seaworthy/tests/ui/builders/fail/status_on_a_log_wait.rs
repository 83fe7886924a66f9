// `status` and `port` belong to the HTTP check's builder (`Wait::http`): a log wait has neither.
use seaworthy::Wait;

fn main() {
    let _ = Wait::logs(["ready"]).status(200);
}
