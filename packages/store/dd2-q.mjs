import Database from 'better-sqlite3';
const db = new Database(process.argv[2], { readonly: true });
for (const q of process.argv.slice(3)) { const t=performance.now(); console.log(q, JSON.stringify(db.prepare(q).all()), Math.round(performance.now()-t),'ms'); }
