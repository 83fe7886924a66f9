//! Log consumers of a container definition, attached at each start.

use super::ContainerDefinition;

impl ContainerDefinition {
    /// Hands every log line of the container to `consumer` as it is written, from the first
    /// start to the removal (several consumers each get every line). See [`LogConsumer`].
    ///
    /// [`LogConsumer`]: crate::LogConsumer
    pub fn log_consumer(mut self, consumer: crate::LogConsumer) -> Self {
        self.config.extras.consumers.push(consumer);
        self
    }
}
