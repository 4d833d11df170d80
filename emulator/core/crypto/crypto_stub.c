/* placeholder until the crypto layer lands; replaced by the crypto sources */
