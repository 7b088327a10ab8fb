package mat

import "io"

var errEOF = io.EOF
