// A `DockerHelper` is built from a bollard client the user already has, of the bollard version
// seaworthy re-exports.
use seaworthy::bollard::{Docker, API_DEFAULT_VERSION};
use seaworthy::engine::Endpoint;
use seaworthy::DockerHelper;

async fn connect() -> seaworthy::Result<DockerHelper> {
    let socket = "/var/run/docker.sock";
    let docker = Docker::connect_with_unix(socket, 120, API_DEFAULT_VERSION)
        .expect("a client for the socket");
    DockerHelper::from_docker(docker, Endpoint::Unix(socket.into())).await
}

fn main() {
    let _ = connect;
}
