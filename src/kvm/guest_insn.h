/*
 * Reading a guest's instruction the way the guest sees it: through its
 * own page tables (satp: bare, Sv39, Sv48, Sv57), and decoding the loads
 * that sign-extend.  Portable: no KVM here, so it is unit-tested on any
 * host.  The KVM backend uses it to correct KVM's zero-extended MMIO loads.
 */
#ifndef NORVM_KVM_GUEST_INSN_H
#define NORVM_KVM_GUEST_INSN_H

#include <stdbool.h>
#include <stdint.h>

/* The host address of guest-physical [gpa, gpa + len), or NULL. */
typedef const void *(*guest_mem_fn)(void *opaque, uint64_t gpa, uint64_t len);

/* Guest-virtual `va` to guest-physical through satp's page tables. */
bool guest_translate(uint64_t satp, uint64_t va, guest_mem_fn mem, void *opaque,
		     uint64_t *gpa);

/* The instruction at guest-virtual `pc` (16 or 32 bits, may straddle pages). */
bool guest_fetch(uint64_t satp, uint64_t pc, guest_mem_fn mem, void *opaque,
		 uint32_t *insn);

/*
 * For a load that sign-extends a value narrower than 64 bits (lb, lh, lw,
 * c.lw, c.lwsp): its width in bytes, with its destination in *rd.
 * 0 for anything else.
 */
unsigned guest_signed_load(uint32_t insn, unsigned *rd);

#endif
