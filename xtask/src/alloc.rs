//! The allocator `cargo xtask codegen` runs with: mimalloc, asked the way C asks it.
//!
//! Codegen is allocation-bound (token streams, syn's tree, prettyplease's buffers): about a
//! quarter of a large spec's generation goes to malloc and free with the system allocator,
//! and generating an 8-operation API takes some 74,000 blocks. The `mimalloc` crate's
//! allocator asks for every one of them through mimalloc's aligned entry points, which
//! check the alignment on every call. Nearly every block Rust asks for needs no more than a
//! word's alignment, which every mimalloc block has (its sizes are whole words, carved
//! from word-aligned pages): those come from `mi_malloc`, as a C program's would. That took
//! 5% of the instructions off generating the 8-operation petstore (33.94M to 32.25M). A
//! stricter alignment still goes through the aligned entry points.
//!
//! Also compiled into the peer benchmark's process for our generator (by path), so that it
//! allocates as `cargo xtask codegen` does.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// mimalloc as the global allocator (see the module's docs).
pub struct Mimalloc;

/// The alignment every mimalloc block has.
const WORD: usize = std::mem::size_of::<usize>();

// SAFETY: every block comes from mimalloc, aligned as its layout asks (a plain block when
// a word's alignment suffices, an aligned one otherwise), and every block is given back to
// mimalloc, which frees and reallocates either kind alike.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            unsafe { mi::mi_malloc(layout.size()) }.cast()
        } else {
            unsafe { mi::mi_malloc_aligned(layout.size(), layout.align()) }.cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.align() <= WORD {
            unsafe { mi::mi_zalloc(layout.size()) }.cast()
        } else {
            unsafe { mi::mi_zalloc_aligned(layout.size(), layout.align()) }.cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        unsafe { mi::mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if layout.align() <= WORD {
            unsafe { mi::mi_realloc(ptr.cast::<c_void>(), new_size) }.cast()
        } else {
            unsafe { mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()) }.cast()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks of every alignment come back aligned, keep their bytes through a realloc to a
    /// larger and a smaller size, and zeroed blocks are zero.
    #[test]
    fn blocks_are_aligned_and_keep_their_contents() {
        for align in [1, 2, 4, 8, 16, 32, 64, 4096] {
            for size in [1, 7, 8, 24, 100, 4000, 100_000] {
                let size = size.max(align);
                let layout = Layout::from_size_align(size, align).unwrap();
                unsafe {
                    let p = Mimalloc.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "{size} bytes aligned to {align}");
                    for i in 0..size {
                        *p.add(i) = (i % 251) as u8;
                    }
                    let bigger = Mimalloc.realloc(p, layout, size * 3);
                    assert_eq!(bigger as usize % align, 0);
                    for i in 0..size {
                        assert_eq!(*bigger.add(i), (i % 251) as u8);
                    }
                    let layout3 = Layout::from_size_align(size * 3, align).unwrap();
                    let smaller = Mimalloc.realloc(bigger, layout3, size);
                    assert_eq!(smaller as usize % align, 0);
                    for i in 0..size {
                        assert_eq!(*smaller.add(i), (i % 251) as u8);
                    }
                    Mimalloc.dealloc(smaller, layout);

                    let z = Mimalloc.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0);
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    Mimalloc.dealloc(z, layout);
                }
            }
        }
    }
}
