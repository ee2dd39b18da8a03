//! Typed indices into the vectors of a syntax tree or a model.

/// Declares a typed index into a `Vec` of a tree: a `usize` newtype, so
/// that a line, a file, an item and a value index cannot be mixed up, with
/// `index()` and `Index`/`IndexMut` on that `Vec`.
macro_rules! index_newtype {
    ($(#[$meta:meta])* pub struct $name:ident(usize) indexes $elem:ty;) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub usize);

        impl $name {
            /// The index in the vector it points into.
            pub fn index(self) -> usize {
                self.0
            }
        }

        impl std::ops::Index<$name> for Vec<$elem> {
            type Output = $elem;
            fn index(&self, id: $name) -> &$elem {
                &self[id.0]
            }
        }

        impl std::ops::IndexMut<$name> for Vec<$elem> {
            fn index_mut(&mut self, id: $name) -> &mut $elem {
                &mut self[id.0]
            }
        }
    };
}

pub(crate) use index_newtype;
