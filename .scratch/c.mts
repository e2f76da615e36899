import { evalQuery } from '../src/rego/index.js';
console.log(JSON.stringify(await evalQuery('x := object.get(input, ["a","b"], null); y := object.get(input, [], null); z := concat("", ["a—", "b"]); w := lower("YeS"); v := object.get(input, ["c", 0], 9)', [], { input: { a: { b: 1 }, c: [5] } })));
console.log(JSON.stringify(await evalQuery('x := regex.match(`^(-X\\s*POST|--data\\b)`, "-X POST"); y := regex.match(`(?i)^a`, "A"); u := trim_space("  a "); s := split("a,b", ","); n := to_number("12"); sp := sprintf("%s %d", ["a", 3])', [], { input: { a: 1 } })));
