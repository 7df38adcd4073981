/* Programs bank 1 (0x22000000) through one write path and prints the
 * guest time it took, as "ticks <hex>" on the UART (mtime, 10 MHz), then
 * powers off.  The path and the amount come from the bank's last word
 * (written there by bench/flash_program.sh): bits 0-7 the path, bits
 * 8-31 the bus words to program.
 *   0 Intel word (0x40 + data, poll SR7)   2 AMD word (AA 55 A0 + data)
 *   1 Intel buffer (0xE8, 128 words, D0)   3 AMD buffer (25, 32 words, 29)
 *   4 AMD unlock bypass (20; A0 + data ...; 90 00)
 * Intel: two x16 devices on a 32-bit bus; AMD: one x16 device.  Every
 * operation is polled to completion as a driver does. */
#define BANK	0x22000000
#define MTIME	0x0200bff8
#define UART	0x10000000

	.section .text.init
	.globl _start
_start:
	li	s0, BANK
	li	t0, BANK + 0x1fffffc
	lwu	t1, 0(t0)
	andi	s1, t1, 0xff		/* path */
	srli	s2, t1, 8		/* bus words */
	li	t0, MTIME
	ld	s3, 0(t0)		/* start */
	li	t2, 1
	beqz	s1, intel_word
	beq	s1, t2, intel_buffer
	li	t2, 2
	beq	s1, t2, amd_word
	li	t2, 3
	beq	s1, t2, amd_buffer
	j	amd_bypass

/* ---- Intel: commands replicated on both x16 lanes ---- */
intel_poll:				/* a0: address; SR7 (of lane 0: QEMU's
					 * bank answers in the low lane only) */
1:	lw	t4, 0(a0)
	andi	t4, t4, 0x80
	beqz	t4, 1b
	ret

intel_word:
	mv	s4, s0
	slli	s5, s2, 2
	add	s5, s5, s0
	li	s6, 0x00400040
1:	sw	s6, 0(s4)
	sw	s4, 0(s4)		/* data: the address */
	mv	a0, s4
	call	intel_poll
	addi	s4, s4, 4
	bltu	s4, s5, 1b
	li	t0, 0x00ff00ff
	sw	t0, 0(s0)
	j	done

intel_buffer:
	mv	s4, s0
	slli	s5, s2, 2
	add	s5, s5, s0
1:	li	t0, 0x00e800e8
	sw	t0, 0(s4)
	mv	a0, s4
	call	intel_poll		/* buffer free */
	li	t0, 0x007f007f		/* 128 bus words */
	sw	t0, 0(s4)
	mv	t1, s4
	addi	t2, s4, 512
2:	sw	t1, 0(t1)
	addi	t1, t1, 4
	bltu	t1, t2, 2b
	li	t0, 0x00d000d0
	sw	t0, 0(s4)
	mv	a0, s4
	call	intel_poll
	addi	s4, s4, 512
	bltu	s4, s5, 1b
	li	t0, 0x00ff00ff
	sw	t0, 0(s0)
	j	done

/* ---- AMD: one x16 device on a 16-bit bus ---- */
#define CMD(word, c)	li t0, BANK + 2 * (word); li t1, c; sh t1, 0(t0)

amd_poll:				/* a0: address; ready when DQ6 stops */
1:	lhu	t3, 0(a0)
	lhu	t4, 0(a0)
	bne	t3, t4, 1b
	ret

amd_word:
	mv	s4, s0
	slli	s5, s2, 1
	add	s5, s5, s0
1:	CMD(0x555, 0xaa)
	CMD(0x2aa, 0x55)
	CMD(0x555, 0xa0)
	sh	s4, 0(s4)
	mv	a0, s4
	call	amd_poll
	addi	s4, s4, 2
	bltu	s4, s5, 1b
	j	done

amd_buffer:
	mv	s4, s0
	slli	s5, s2, 1
	add	s5, s5, s0
1:	CMD(0x555, 0xaa)
	CMD(0x2aa, 0x55)
	li	t0, 0x25
	sh	t0, 0(s4)
	li	t0, 31			/* 32 words */
	sh	t0, 0(s4)
	mv	t1, s4
	addi	t2, s4, 64
2:	sh	t1, 0(t1)
	addi	t1, t1, 2
	bltu	t1, t2, 2b
	li	t0, 0x29
	sh	t0, 0(s4)
	addi	a0, s4, 62
	call	amd_poll
	addi	s4, s4, 64
	bltu	s4, s5, 1b
	j	done

amd_bypass:
	mv	s4, s0
	slli	s5, s2, 1
	add	s5, s5, s0
	CMD(0x555, 0xaa)
	CMD(0x2aa, 0x55)
	CMD(0x555, 0x20)
	li	t5, 0xa0
1:	sh	t5, 0(s0)
	sh	s4, 0(s4)
	mv	a0, s4
	call	amd_poll
	addi	s4, s4, 2
	bltu	s4, s5, 1b
	CMD(0, 0x90)
	CMD(0, 0x00)
	j	done

/* ---- report ---- */
putc:					/* a0: byte */
	li	t0, UART
1:	lbu	t1, 5(t0)
	andi	t1, t1, 0x20
	beqz	t1, 1b
	sb	a0, 0(t0)
	ret

done:
	li	t0, MTIME
	ld	s4, 0(t0)
	sub	s4, s4, s3
	li	a0, 't'
	call	putc
	li	a0, 'i'
	call	putc
	li	a0, 'c'
	call	putc
	li	a0, 'k'
	call	putc
	li	a0, 's'
	call	putc
	li	a0, ' '
	call	putc
	li	s5, 60
2:	srl	a0, s4, s5
	andi	a0, a0, 15
	li	t0, 10
	blt	a0, t0, 3f
	addi	a0, a0, 'a' - '0' - 10
3:	addi	a0, a0, '0'
	call	putc
	addi	s5, s5, -4
	bgez	s5, 2b
	li	a0, '\n'
	call	putc
	li	t0, 0x100000
	li	t1, 0x5555
	sw	t1, 0(t0)
4:	j	4b
