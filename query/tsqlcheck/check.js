// Parses each statement smsfail sends to SQL Server with node-sql-parser's
// T-SQL grammar (TransactSQL). Reads a JSON array of {name, sql} on stdin,
// writes a JSON array of {name, error} on stdout: error is empty when the
// text parses as one SELECT that reads only the reporting views (v_...).
'use strict';
const { Parser } = require('node-sql-parser');

const opt = { database: 'TransactSQL' };
const parser = new Parser();

function check(sql) {
  let ast;
  try {
    ast = parser.astify(sql, opt);
  } catch (e) {
    return e.message;
  }
  const stmts = Array.isArray(ast) ? ast : [ast];
  if (stmts.length !== 1 || stmts[0].type !== 'select') {
    return 'not one SELECT statement: ' + stmts.map((s) => s.type).join(', ');
  }
  for (const t of parser.tableList(sql, opt)) {
    const [op, , table] = t.split('::');
    if (op !== 'select' || !/^v_\w+$/.test(table)) {
      return 'reads or writes something other than a reporting view: ' + t;
    }
  }
  return '';
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const out = JSON.parse(input).map((s) => ({ name: s.name, error: check(s.sql) }));
  process.stdout.write(JSON.stringify(out));
});
