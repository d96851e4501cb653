// How the agent asks the C library to hand memory back. A scan's memory is
// a few large blocks (entry lists, a baseline read whole); what matters for a
// node agent is that RSS falls back when they are freed.
#pragma once

#include <malloc.h>

namespace drift {

/// glibc raises its mmap threshold every time a large block is freed, so after
/// a baseline's 10 MB buffer goes, the scan's megabyte chunks come from the
/// heap and stay resident after they are freed. A fixed threshold keeps large
/// blocks as their own mappings, returned to the OS by free(): peak RSS is then
/// what is live. Call first thing in main. (musl, the Alpine image's C library,
/// has no such knob and returns large blocks by itself.)
inline void return_large_blocks_to_the_os() {
#if defined(__GLIBC__) && defined(M_MMAP_THRESHOLD)
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

/// Gives freed heap memory back after a scan (glibc only; a no-op elsewhere).
inline void trim_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace drift
