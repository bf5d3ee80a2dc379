"""HTML templates, one module per CMS family (gov.cn UCAP, TRS xxgk, local 文明网, credit wall)."""
