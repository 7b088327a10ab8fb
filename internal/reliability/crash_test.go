package reliability

const childEnv = "BHSCORE_RELIABILITY_CHILD"

func runChild(arg string) int { return 2 }
