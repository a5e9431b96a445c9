// glibc serves allocations above M_MMAP_THRESHOLD (at most 32 MiB by default) with a fresh mmap and returns them
// with munmap on free, so every large tensor pays a page fault per 4 KiB page on first touch — it halves the
// bandwidth of an elementwise op. Raising the thresholds keeps large blocks on the heap for reuse, which is what
// PyTorch's caching allocator achieves for the same reason. mallopt's constants are macros, hence this C shim.
#pragma once

/// Keeps allocations up to 1 GiB on the heap and never trims it back below that (a no-op outside glibc).
void lm_keep_large_allocations_on_heap(void);

/// Gives the heap's free pages back to the system (malloc_trim; a no-op outside glibc), so a process's resident size
/// counts live memory again — for measurements of memory growth.
void lm_return_free_memory(void);
