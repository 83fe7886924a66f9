//! Rendering the validated functions into calls into `seaworthy::__private`.

pub(crate) mod fixture;
pub(crate) mod test;
