import EBJR
