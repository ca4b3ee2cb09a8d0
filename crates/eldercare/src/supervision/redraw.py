import hashlib
def draw(seed, institutions, inspectors, share_permille, per_institution):
    institutions, inspectors = sorted(set(institutions)), sorted(set(inspectors))
    text = "minsheng-draw-v1\n" + seed.strip() + "\n" + "\n".join(institutions) + "\n\n" + "\n".join(inspectors)
    base, t = hashlib.sha256(text.encode()).digest(), 0
    def shuffle(n, k):
        nonlocal t
        order = list(range(n))
        for i in range(min(k, n)):
            r = int.from_bytes(hashlib.sha256(base + t.to_bytes(8, "big")).digest()[:8], "big")
            t += 1
            j = i + r % (n - i)
            order[i], order[j] = order[j], order[i]
        return order[:min(k, n)]
    n = len(institutions)
    k = max(1, min(n, -(-n * share_permille // 1000)))
    return [(institutions[i], [inspectors[j] for j in shuffle(len(inspectors), per_institution)])
            for i in shuffle(n, k)]
