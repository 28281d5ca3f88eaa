print("ebjr")
