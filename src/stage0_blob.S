/* The guest stage-0 loader (guest/stage0.S), as bytes for `flash pack`. */
	.section .rodata
	.balign 8
	.globl	stage0_code, stage0_code_end
stage0_code:
	.incbin	"stage0.bin"
stage0_code_end:
	.section .note.GNU-stack, "", @progbits
