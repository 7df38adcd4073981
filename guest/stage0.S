/*
 * norvm's stage-0 loader, at offset 0 of a bootable flash image.
 *
 * It runs in place from flash, in M-mode from the boot ROM or in S-mode
 * under KVM (a0 = hartid, a1 = device tree, a2 = as the boot ROM or KVM
 * set them; all three are passed on untouched).  It touches no CSR.
 * Hart 0 copies every payload listed in the image header from flash to its
 * load address in RAM, then raises a flag in RAM; the other harts wait for
 * the flag.  Every hart then jumps to the entry point.  The code only uses
 * pc-relative addressing, so it runs wherever the image is mapped.
 *
 * Header at image offset 0x200 (written by `norvm flash pack`):
 *   0x00 u64 magic "NORVMBT0"   0x08 u64 entry   0x10 u64 flag address
 *   0x18 u64 payload count      0x20 payloads: { u64 offset, size, addr }
 * Payload offsets are relative to the image, sizes multiples of 8.
 */
	.equ HDR, 0x200
	.equ FLAG_MAGIC, 0x4f44454e4f4f4221	/* any value RAM never holds at reset */

	.section .text.init
	.globl _start
_start:
	auipc	t0, 0			/* t0 = image base */
	addi	t1, t0, HDR		/* t1 = header */
	ld	t2, 0x10(t1)		/* t2 = flag address */
	li	t3, FLAG_MAGIC
	bnez	a0, wait

	ld	t4, 0x18(t1)		/* payloads left */
	addi	t5, t1, 0x20		/* current payload descriptor */
next_payload:
	beqz	t4, copied
	ld	t6, 0(t5)
	add	t6, t6, t0		/* source in flash */
	ld	a3, 8(t5)		/* bytes */
	ld	a4, 16(t5)		/* destination in RAM */
	add	a3, a3, t6		/* source end */
copy:
	bgeu	t6, a3, copy_done
	ld	a5, 0(t6)
	sd	a5, 0(a4)
	addi	t6, t6, 8
	addi	a4, a4, 8
	j	copy
copy_done:
	addi	t5, t5, 24
	addi	t4, t4, -1
	j	next_payload
copied:
	fence	rw, rw
	sd	t3, 0(t2)
	j	enter

wait:
	ld	a5, 0(t2)
	bne	a5, t3, wait
	fence	rw, rw
enter:
	fence.i
	ld	t4, 0x08(t1)
	jr	t4
	.balign	8
	.globl	stage0_end
stage0_end:
