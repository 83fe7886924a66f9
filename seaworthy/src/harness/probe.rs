//! Autoref specialisation: the macro's way of telling a [`Resource`] value (set up as a
//! container, network or volume) from plain data without naming its type.

use super::fixture::Node;
use super::resolve::Resolver;
use super::resource::Resource;
use crate::error::Result;

/// Picks `finish_resource` or `finish_plain` by the value's type (autoref specialisation): the
/// macro writes `(&Probe::new(&value)).__seaworthy_kind().finish(ctx, value)`.
pub struct Probe<T>(std::marker::PhantomData<T>);

impl<T> Probe<T> {
    /// A probe for the type of `_value`.
    pub fn new(_value: &T) -> Self {
        Probe(std::marker::PhantomData)
    }
}

/// Chosen when the value is a [`Resource`].
pub struct ResourceTag;
/// Chosen for every other value.
pub struct PlainTag;

/// Selects [`ResourceTag`].
pub trait ViaResource {
    /// The tag.
    fn __seaworthy_kind(&self) -> ResourceTag {
        ResourceTag
    }
}
impl<T: Resource> ViaResource for Probe<T> {}

/// Selects [`PlainTag`].
pub trait ViaPlain {
    /// The tag.
    fn __seaworthy_kind(&self) -> PlainTag {
        PlainTag
    }
}
impl<T> ViaPlain for &Probe<T> {}

impl ResourceTag {
    /// Sets the value up as a resource.
    pub async fn finish<V: Resource>(self, ctx: Resolver, value: V) -> Result<Node<V>> {
        ctx.finish_resource(value).await
    }
}

impl PlainTag {
    /// Keeps the value as plain data.
    pub async fn finish<V: Send + Sync + 'static>(
        self,
        ctx: Resolver,
        value: V,
    ) -> Result<Node<V>> {
        ctx.finish_plain(value).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VolumeDefinition;

    /// What the macro writes, reduced to the tag's type name.
    macro_rules! tag_of {
        ($value:expr) => {{
            let value = $value;
            fn name<T>(_: &T) -> &'static str {
                std::any::type_name::<T>()
            }
            name(&(&Probe::new(&value)).__seaworthy_kind())
        }};
    }

    #[test]
    fn a_resource_is_set_up_and_anything_else_is_kept_as_data() {
        assert!(tag_of!(VolumeDefinition::new("data")).ends_with("ResourceTag"));
        assert!(tag_of!(String::from("plain")).ends_with("PlainTag"));
        assert!(tag_of!(7u8).ends_with("PlainTag"));
    }
}
